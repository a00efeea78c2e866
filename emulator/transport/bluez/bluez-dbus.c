// SPDX-License-Identifier: GPL-2.0-or-later
#include "bluez-dbus.h"

guint bluez_dbus_export(GDBusConnection *conn, const char *path,
			GDBusNodeInfo *info, const char *iface,
			const GDBusInterfaceVTable *vtable, gpointer data,
			GError **error)
{
	return g_dbus_connection_register_object(
		conn, path, g_dbus_node_info_lookup_interface(info, iface),
		vtable, data, NULL, error);
}

void bluez_dbus_unexport(GDBusConnection *conn, guint *id)
{
	if (*id)
		g_dbus_connection_unregister_object(conn, *id);
	*id = 0;
}

GVariant *bluez_dbus_property(GVariant *v, const char *name, GError **error)
{
	if (!v)
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
			    "no property %s", name);
	return v;
}

void bluez_dbus_unknown_method(GDBusMethodInvocation *inv, const char *method)
{
	g_dbus_method_invocation_return_dbus_error(
		inv, "org.freedesktop.DBus.Error.UnknownMethod", method);
}

void bluez_dbus_emit_changed(GDBusConnection *conn, const char *path,
			     const char *iface, GVariantBuilder *changed)
{
	g_dbus_connection_emit_signal(
		conn, NULL, path, "org.freedesktop.DBus.Properties",
		"PropertiesChanged",
		g_variant_new("(sa{sv}as)", iface, changed, NULL), NULL);
}

void bluez_dbus_call_quietly(GDBusConnection *conn, const char *path,
			     const char *iface, const char *method,
			     GVariant *args, int timeout_ms)
{
	GVariant *r = g_dbus_connection_call_sync(conn, BLUEZ_SERVICE, path,
						  iface, method, args, NULL,
						  G_DBUS_CALL_FLAGS_NONE,
						  timeout_ms, NULL, NULL);

	if (r)
		g_variant_unref(r);
}
