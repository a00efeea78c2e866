// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "transport/transport.h"

#include "bluez-advertising.h"
#include "bluez-dbus.h"
#include "bluez-bridge.h"
#include "bluez-gatt.h"
#include "power.h"

#define ADAPTER_IFACE "org.bluez.Adapter1"
#define DEVICE_IFACE "org.bluez.Device1"
#define GATT_MANAGER_IFACE "org.bluez.GattManager1"
#define PROPS_IFACE "org.freedesktop.DBus.Properties"
#define APP_ROOT "/io/bandsim/gatt"

/* A band answers the PDU that ends the link (10 05 01 after an update)
 * before it drops it; bluetoothd has to have put that answer on air
 * before the Disconnect call reaches the controller. */
#define DROP_GRACE_MS 200
/* Unregistering on the way out: a slot freed at once is one the next
 * band on the adapter (a restarted emulator) can take at once. */
#define UNREGISTER_TIMEOUT_MS 1000
/* bluetoothd's calls on the application wait for its reply this long. */
#define CALL_TIMEOUT_MS 10000

enum reg_state { REG_NONE, REG_PENDING, REG_DONE };

struct bluez_server {
	struct transport base;
	struct mb_band *band;
	char *adapter;	    /* "hci0" */
	char *adapter_path; /* "/org/bluez/hci0" */
	const struct transport_callbacks *cb;
	void *user_data;
	GDBusConnection *conn;
	GCancellable *cancel;
	struct bluez_bridge *bridge;
	struct bluez_gatt *gatt;
	struct bluez_advertising *advertising;
	guint watch_id;
	guint props_sub;
	guint objects_sub; /* InterfacesAdded and InterfacesRemoved */
	bool bluez_up;
	enum reg_state app;
	char *device;	  /* the linked central's Device1 path */
	char address[18]; /* the adapter's, once bluetoothd said it */
	guint drop_id;
	bool hints_dropped;
};

static void status(struct bluez_server *s, const char *what)
{
	transport_status(s->cb, s->user_data, what);
}

static bool band_on(const struct bluez_server *s)
{
	return mb_power_state(mb_band_power(s->band)) == MB_POWER_STATE_ON;
}

static void call(struct bluez_server *s, const char *path, const char *iface,
		 const char *method, GVariant *args, GAsyncReadyCallback done)
{
	g_dbus_connection_call(s->conn, BLUEZ_SERVICE, path, iface, method,
			       args, NULL, G_DBUS_CALL_FLAGS_NONE,
			       CALL_TIMEOUT_MS, s->cancel, done, s);
}

/* Finishes a call; NULL with the error logged (and not a cancellation). */
static GVariant *finish(GObject *source, GAsyncResult *res, const char *what,
			GError **error_out)
{
	GError *error = NULL;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source),
						    res, &error);

	if (r)
		return r;
	/* The error keeps its remote name: callers decide on it. */
	if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_debug("%s: %s", what, error->message);
	if (error_out)
		*error_out = error;
	else
		g_error_free(error);
	return NULL;
}

static bool cancelled(GError *error)
{
	return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Finishes a step of setting up the adapter, whose answer only says it
 * was done.  On failure *error is bluetoothd's own message to warn with,
 * or NULL when the call was cancelled (the band is going away). */
static bool step_done(GObject *source, GAsyncResult *res, const char *what,
		      GError **error)
{
	GVariant *r = finish(source, res, what, error);

	if (r) {
		g_variant_unref(r);
		return true;
	}
	g_dbus_error_strip_remote_error(*error);
	if (cancelled(*error))
		g_clear_error(error);
	return false;
}

/* ---- advertising ---------------------------------------------------- */

/* The band advertises when it can be connected to: bluetoothd is there
 * with the application, no central has the link, the band is on. */
static void update_advertising(struct bluez_server *s)
{
	bluez_advertising_set_wanted(s->advertising,
				     s->bluez_up && s->app == REG_DONE &&
					     !s->device && band_on(s));
}

/* ---- the link ------------------------------------------------------- */

static bool link_up(struct bluez_server *s, const char *device)
{
	if (s->device)
		return !strcmp(s->device, device);
	if (!bluez_bridge_link_up(s->bridge))
		return false;
	s->device = g_strdup(device);
	update_advertising(s);
	g_info("central %s connected", device);
	status(s, "CONNECTED=1");
	return true;
}

static void link_down(struct bluez_server *s)
{
	if (!s->device)
		return;
	g_clear_handle_id(&s->drop_id, g_source_remove);
	bluez_bridge_link_down(s->bridge);
	g_info("central %s disconnected", s->device);
	g_clear_pointer(&s->device, g_free);
	status(s, "DISCONNECTED=1");
	update_advertising(s);
}

static void on_disconnected(GObject *src, GAsyncResult *res, gpointer user_data)
{
	struct bluez_server *s = user_data;
	GError *error = NULL;
	GVariant *r = finish(src, res, "Disconnect", &error);

	if (r) {
		g_variant_unref(r);
		return;
	}
	/* Gone already: no Connected=false will come for it. */
	if (!cancelled(error))
		link_down(s);
	g_error_free(error);
}

static void on_drop(gpointer user_data)
{
	struct bluez_server *s = user_data;

	s->drop_id = 0;
	if (s->device)
		call(s, s->device, DEVICE_IFACE, "Disconnect", NULL,
		     on_disconnected);
}

static void bridge_disconnect(void *user_data)
{
	struct bluez_server *s = user_data;

	if (s->device && !s->drop_id)
		s->drop_id = g_timeout_add_once(DROP_GRACE_MS, on_drop, s);
}

static void bridge_notify(const struct mb_gatt_chr *chr, const uint8_t *value,
			  size_t len, bool indication, void *user_data)
{
	struct bluez_server *s = user_data;

	/* bluetoothd indicates when the central subscribed to indications
	 * and calls Confirm when it is confirmed. */
	bluez_gatt_notify(s->gatt, chr, value, len);
}

static const struct bluez_bridge_ops bridge_ops = {
	.notify = bridge_notify,
	.disconnect = bridge_disconnect,
};

static bool gatt_link(const char *device, uint16_t mtu, void *user_data)
{
	struct bluez_server *s = user_data;

	/* A call can come before the Connected signal that announces it. */
	if (device && !link_up(s, device))
		return false;
	if (!s->device)
		return false;
	bluez_bridge_set_mtu(s->bridge, mtu);
	return true;
}

static void gatt_activity(void *user_data)
{
	struct bluez_server *s = user_data;

	transport_activity(s->cb, s->user_data);
}

static const struct bluez_gatt_callbacks gatt_cb = {
	.link = gatt_link,
	.activity = gatt_activity,
};

static bool under_adapter(const struct bluez_server *s, const char *path)
{
	size_t n = strlen(s->adapter_path);

	return !strncmp(path, s->adapter_path, n) && path[n] == '/';
}

static void device_connected(struct bluez_server *s, const char *path,
			     bool connected)
{
	if (connected) {
		/* The band serves one central; it does not advertise while it
		 * has one, so a second is a race: turn it away. */
		if (!link_up(s, path)) {
			g_info("turning away %s: the band is busy or off",
			       path);
			call(s, path, DEVICE_IFACE, "Disconnect", NULL, NULL);
		}
		return;
	}
	if (s->device && !strcmp(s->device, path))
		link_down(s);
}

static void on_props_changed(GDBusConnection *conn, const gchar *sender,
			     const gchar *path, const gchar *iface,
			     const gchar *signal, GVariant *params,
			     gpointer user_data)
{
	struct bluez_server *s = user_data;
	const char *which;
	g_autoptr(GVariant) changed = NULL;
	gboolean connected;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
		return;
	g_variant_get(params, "(&s@a{sv}@as)", &which, &changed, NULL);
	if (strcmp(which, DEVICE_IFACE) || !under_adapter(s, path))
		return;
	if (g_variant_lookup(changed, "Connected", "b", &connected))
		device_connected(s, path, connected);
}

/* ---- registration --------------------------------------------------- */

static void register_app(struct bluez_server *s);

static void on_app_registered(GObject *src, GAsyncResult *res,
			      gpointer user_data)
{
	struct bluez_server *s = user_data;
	GError *error = NULL;
	GVariant *r = finish(src, res, "RegisterApplication", &error);
	unsigned int moved;

	if (!r && cancelled(error)) {
		g_error_free(error);
		return;
	}
	if (r) {
		g_variant_unref(r);
		s->app = REG_DONE;
		moved = bluez_gatt_handles_moved(s->gatt);
		g_info("GATT application registered on %s%s", s->adapter,
		       moved ? " (bluetoothd moved some of the band's handles)"
			     : "");
		status(s, "REGISTERED=1");
		update_advertising(s);
		return;
	}
	s->app = REG_NONE;
	if (g_dbus_error_is_remote_error(error) && !s->hints_dropped) {
		g_dbus_error_strip_remote_error(error);
		/* The handles the profile asks for may be taken (another
		 * application, a newer bluetoothd's own services). */
		g_warning(
			"%s: GATT application refused (%s); registering it again "
			"with the handles bluetoothd chooses",
			s->adapter, error->message);
		s->hints_dropped = true;
		bluez_gatt_set_handle_hints(s->gatt, false);
		g_error_free(error);
		register_app(s);
		return;
	}
	g_dbus_error_strip_remote_error(error);
	g_warning("%s: cannot register the GATT application: %s", s->adapter,
		  error->message);
	g_error_free(error);
}

static void register_app(struct bluez_server *s)
{
	if (s->app != REG_NONE)
		return;
	s->app = REG_PENDING;
	call(s, s->adapter_path, GATT_MANAGER_IFACE, "RegisterApplication",
	     g_variant_new("(oa{sv})", APP_ROOT, NULL), on_app_registered);
}

static void on_alias_set(GObject *src, GAsyncResult *res, gpointer user_data)
{
	GVariant *r = finish(src, res, "Alias", NULL);

	if (r)
		g_variant_unref(r);
}

static void on_powered(GObject *src, GAsyncResult *res, gpointer user_data)
{
	struct bluez_server *s = user_data;
	g_autoptr(GError) error = NULL;

	if (step_done(src, res, "Powered", &error))
		register_app(s);
	else if (error)
		g_warning("%s: cannot power the adapter: %s", s->adapter,
			  error->message);
}

static void set_adapter_prop(struct bluez_server *s, const char *name,
			     GVariant *value, GAsyncReadyCallback done)
{
	call(s, s->adapter_path, PROPS_IFACE, "Set",
	     g_variant_new("(ssv)", ADAPTER_IFACE, name, value), done);
}

/* Centrals still connected to the adapter when the band starts were
 * connected to a band process that is gone (killed, crashed): a band
 * that just came up has no link, so they are dropped, as a power cut
 * drops them on the real band. */
/* What the band needs of bluetoothd on its adapter: a GATT server for
 * its application and LE advertising; a bluetoothd without them (older
 * than 5.50, or built without) cannot serve a band, and the user must be
 * told which, not left waiting. */
static const char *const needed_managers[] = {
	GATT_MANAGER_IFACE,
	"org.bluez.LEAdvertisingManager1",
};

static void check_managers(struct bluez_server *s, GVariant *ifaces)
{
	for (size_t i = 0; i < G_N_ELEMENTS(needed_managers); i++) {
		g_autoptr(GVariant) iface = g_variant_lookup_value(
			ifaces, needed_managers[i], NULL);

		if (!iface)
			g_warning(
				"%s: bluetoothd offers no %s there: it is too "
				"old or built without it; BlueZ 5.50 or newer "
				"is needed (bluetoothd --version), or use "
				"--transport l2cap",
				s->adapter, needed_managers[i]);
	}
}

static void on_objects(GObject *src, GAsyncResult *res, gpointer user_data)
{
	struct bluez_server *s = user_data;
	GVariant *r = finish(src, res, "GetManagedObjects", NULL);
	GVariantIter *objects;
	const char *path;
	GVariant *ifaces;

	if (!r)
		return;
	g_variant_get(r, "(a{oa{sa{sv}}})", &objects);
	while (g_variant_iter_next(objects, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		g_autoptr(GVariant) dev =
			g_variant_lookup_value(ifaces, DEVICE_IFACE, NULL);
		gboolean connected = FALSE;

		if (!strcmp(path, s->adapter_path))
			check_managers(s, ifaces);

		if (dev && under_adapter(s, path) &&
		    g_variant_lookup(dev, "Connected", "b", &connected) &&
		    connected && !(s->device && !strcmp(s->device, path))) {
			g_info("dropping %s: connected before this band started",
			       path);
			call(s, path, DEVICE_IFACE, "Disconnect", NULL, NULL);
		}
		g_variant_unref(ifaces);
	}
	g_variant_iter_free(objects);
	g_variant_unref(r);
}

/* The adapter is there: name it as the band (bluetoothd serves Device
 * Name 0x2A00 from the alias), power it, then register. */
static void on_adapter(GObject *src, GAsyncResult *res, gpointer user_data)
{
	struct bluez_server *s = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = finish(src, res, "adapter", &error);
	g_autoptr(GVariant) address = NULL;

	if (!r) {
		g_dbus_error_strip_remote_error(error);
		if (!cancelled(error))
			g_warning(
				"%s: no such adapter in bluetoothd (%s); waiting for it",
				s->adapter, error->message);
		return;
	}
	/* Centrals see the band at the adapter's address (docs/bluez.md). */
	g_variant_get(r, "(v)", &address);
	if (g_variant_is_of_type(address, G_VARIANT_TYPE_STRING))
		g_strlcpy(s->address, g_variant_get_string(address, NULL),
			  sizeof(s->address));
	call(s, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
	     NULL, on_objects);
	set_adapter_prop(s, "Alias",
			 g_variant_new_string(mb_profile_device_name(
				 mb_band_profile(s->band))),
			 on_alias_set);
	set_adapter_prop(s, "Powered", g_variant_new_boolean(TRUE), on_powered);
}

static void setup(struct bluez_server *s)
{
	call(s, s->adapter_path, PROPS_IFACE, "Get",
	     g_variant_new("(ss)", ADAPTER_IFACE, "Address"), on_adapter);
}

/* bluetoothd's objects: a device gone takes its link along; the adapter
 * coming (plugged in, or found late by bluetoothd) starts the set-up. */
static void on_objects_changed(GDBusConnection *conn, const gchar *sender,
			       const gchar *path, const gchar *iface,
			       const gchar *signal, GVariant *params,
			       gpointer user_data)
{
	struct bluez_server *s = user_data;
	const char *object;

	if (!strcmp(signal, "InterfacesRemoved") &&
	    g_variant_is_of_type(params, G_VARIANT_TYPE("(oas)"))) {
		g_variant_get(params, "(&o@as)", &object, NULL);
		if (s->device && !strcmp(s->device, object))
			link_down(s);
	} else if (!strcmp(signal, "InterfacesAdded") &&
		   g_variant_is_of_type(params,
					G_VARIANT_TYPE("(oa{sa{sv}})"))) {
		g_autoptr(GVariant) ifaces = NULL;

		g_variant_get(params, "(&o@a{sa{sv}})", &object, &ifaces);
		if (!strcmp(object, s->adapter_path) &&
		    g_variant_lookup_value(ifaces, ADAPTER_IFACE, NULL) &&
		    s->app == REG_NONE)
			setup(s);
	}
}

static void on_bluez_appeared(GDBusConnection *conn, const gchar *name,
			      const gchar *owner, gpointer user_data)
{
	struct bluez_server *s = user_data;

	g_info("bluetoothd is on the bus (%s)", owner);
	s->bluez_up = true;
	s->app = REG_NONE;
	setup(s);
}

static void on_bluez_vanished(GDBusConnection *conn, const gchar *name,
			      gpointer user_data)
{
	struct bluez_server *s = user_data;

	if (s->bluez_up)
		g_warning(
			"bluetoothd left the bus; waiting for it to come back");
	else
		g_warning("bluetoothd (%s) is not on the system bus; waiting "
			  "for it: start it (systemctl start bluetooth), or "
			  "use --transport l2cap",
			  BLUEZ_SERVICE);
	s->bluez_up = false;
	s->app = REG_NONE;
	bluez_advertising_forget(s->advertising);
	/* Its links went with it. */
	link_down(s);
}

/* ---- the band ------------------------------------------------------- */

static void band_event(struct transport *t, const struct mb_event *ev)
{
	if (ev->id == MB_EVENT_POWER_OFF || ev->id == MB_EVENT_POWER_ON)
		update_advertising((struct bluez_server *)t);
}

static void advertising_status(const char *what, void *user_data)
{
	status(user_data, what);
}

static bool air_address(const struct transport *t, char buf[18])
{
	const struct bluez_server *s = (const struct bluez_server *)t;

	if (!s->address[0])
		return false;
	g_strlcpy(buf, s->address, 18);
	return true;
}

static void bluez_server_free(struct transport *t)
{
	struct bluez_server *s = (struct bluez_server *)t;

	/* Unregistered at once, the slot is free for the next band on the
	 * adapter (a restarted emulator). */
	bluez_advertising_free(s->advertising);
	/* The band goes away: so does its link. */
	if (s->conn && s->device) {
		bluez_dbus_call_quietly(s->conn, s->device, DEVICE_IFACE,
					"Disconnect", NULL,
					UNREGISTER_TIMEOUT_MS);
	}
	if (s->conn && s->bluez_up && s->app == REG_DONE)
		bluez_dbus_call_quietly(s->conn, s->adapter_path,
					GATT_MANAGER_IFACE,
					"UnregisterApplication",
					g_variant_new("(o)", APP_ROOT),
					UNREGISTER_TIMEOUT_MS);
	g_cancellable_cancel(s->cancel);
	g_clear_handle_id(&s->drop_id, g_source_remove);
	g_clear_handle_id(&s->watch_id, g_bus_unwatch_name);
	if (s->conn) {
		g_dbus_connection_signal_unsubscribe(s->conn, s->props_sub);
		g_dbus_connection_signal_unsubscribe(s->conn, s->objects_sub);
	}
	if (s->bridge)
		bluez_bridge_link_down(s->bridge);
	bluez_gatt_free(s->gatt);
	bluez_bridge_free(s->bridge);
	g_clear_object(&s->conn);
	g_object_unref(s->cancel);
	g_free(s->device);
	g_free(s->adapter_path);
	g_free(s->adapter);
	g_free(s);
}

/* The system bus, and the application and advertisement the band puts
 * on it; the rest follows from what bluetoothd says. */
static bool connect_bus(struct bluez_server *s, GError **error)
{
	s->conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
	if (!s->conn) {
		/* GIO says only "Could not connect: No such file or
		 * directory"; say which bus, and what to do. */
		char *msg = g_strdup_printf(
			"--transport bluez needs the system bus and bluetoothd: "
			"%s; start them (systemctl start dbus bluetooth), or use "
			"--transport sock or l2cap",
			(*error)->message);

		g_free((*error)->message);
		(*error)->message = msg;
		return false;
	}
	s->bridge = bluez_bridge_new(s->band, &bridge_ops, s);
	s->gatt = bluez_gatt_new(s->conn, APP_ROOT, s->band, s->bridge,
				 &gatt_cb, s, error);
	if (s->gatt)
		s->advertising = bluez_advertising_new(s->conn, s->adapter,
						       s->adapter_path, s->band,
						       advertising_status, s,
						       error);
	return s->advertising != NULL;
}

struct transport *bluez_server_new(struct mb_band *band, const char *adapter,
				   const struct transport_callbacks *cb,
				   void *user_data, GError **error)
{
	struct bluez_server *s = g_new0(struct bluez_server, 1);

	*s = (struct bluez_server){
		.base = { band_event, bluez_server_free, air_address },
		.band = band,
		.adapter = g_strdup(adapter),
		.adapter_path = g_strdup_printf("/org/bluez/%s", adapter),
		.cb = cb,
		.user_data = user_data,
		.cancel = g_cancellable_new(),
	};
	if (!connect_bus(s, error)) {
		bluez_server_free(&s->base);
		return NULL;
	}
	s->props_sub = g_dbus_connection_signal_subscribe(
		s->conn, BLUEZ_SERVICE, PROPS_IFACE, "PropertiesChanged", NULL,
		DEVICE_IFACE, G_DBUS_SIGNAL_FLAGS_NONE, on_props_changed, s,
		NULL);
	s->objects_sub = g_dbus_connection_signal_subscribe(
		s->conn, BLUEZ_SERVICE, "org.freedesktop.DBus.ObjectManager",
		NULL, "/", NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_objects_changed,
		s, NULL);
	s->watch_id = g_bus_watch_name_on_connection(
		s->conn, BLUEZ_SERVICE, G_BUS_NAME_WATCHER_FLAGS_NONE,
		on_bluez_appeared, on_bluez_vanished, s, NULL);
	return &s->base;
}
