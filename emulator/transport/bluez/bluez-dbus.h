/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

/* The D-Bus plumbing the BlueZ transport's objects and calls share. */

#define BLUEZ_SERVICE "org.bluez"

/* A property getter's answer: v, or (v NULL) the Unknown Property error. */
GVariant *bluez_dbus_property(GVariant *v, const char *name, GError **error);
void bluez_dbus_unknown_method(GDBusMethodInvocation *inv, const char *method);
/* PropertiesChanged on path for iface; changed is an "a{sv}" builder. */
void bluez_dbus_emit_changed(GDBusConnection *conn, const char *path,
			     const char *iface, GVariantBuilder *changed);
/* A call to bluetoothd on the way out, whose answer does not matter:
 * waits at most timeout_ms. */
void bluez_dbus_call_quietly(GDBusConnection *conn, const char *path,
			     const char *iface, const char *method,
			     GVariant *args, int timeout_ms);
