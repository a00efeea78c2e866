/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

/* The D-Bus plumbing the BlueZ transport's objects and calls share. */

#define BLUEZ_SERVICE "org.bluez"

/* Exports the interface iface of info at path, answered by vtable with
 * data: the id to unexport it by, or 0 with error set. */
guint bluez_dbus_export(GDBusConnection *conn, const char *path,
			GDBusNodeInfo *info, const char *iface,
			const GDBusInterfaceVTable *vtable, gpointer data,
			GError **error);
/* Takes back what *id names, if anything, and clears it. */
void bluez_dbus_unexport(GDBusConnection *conn, guint *id);

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
