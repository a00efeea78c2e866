// SPDX-License-Identifier: GPL-2.0-or-later
#include "transport/l2cap/agent.h"

#include <stdbool.h>
#include <string.h>

#define AGENT_PATH "/io/bandsim/agent"
#define AGENT_IFACE "org.bluez.Agent1"
/* A call to bluetoothd waits this long (ms). */
#define CALL_TIMEOUT_MS 5000

static const char introspection_xml[] =
	"<node><interface name='" AGENT_IFACE "'>"
	"<method name='Release'/>"
	"<method name='RequestPinCode'><arg type='o' direction='in'/>"
	"<arg type='s' direction='out'/></method>"
	"<method name='DisplayPinCode'><arg type='o' direction='in'/>"
	"<arg type='s' direction='in'/></method>"
	"<method name='RequestPasskey'><arg type='o' direction='in'/>"
	"<arg type='u' direction='out'/></method>"
	"<method name='DisplayPasskey'><arg type='o' direction='in'/>"
	"<arg type='u' direction='in'/><arg type='q' direction='in'/></method>"
	"<method name='RequestConfirmation'><arg type='o' direction='in'/>"
	"<arg type='u' direction='in'/></method>"
	"<method name='RequestAuthorization'><arg type='o' direction='in'/>"
	"</method>"
	"<method name='AuthorizeService'><arg type='o' direction='in'/>"
	"<arg type='s' direction='in'/></method>"
	"<method name='Cancel'/>"
	"</interface></node>";

struct l2cap_agent {
	GDBusConnection *conn;
	GDBusNodeInfo *info;
	guint reg_id;
	char *prefix; /* "/org/bluez/hciN/": the band's adapter's devices */
};

/* What the band answers, by method: confirm (a Just Works pairing, or
 * one with a number the band cannot show: the band has no screen for
 * it), nothing to do, or no (a PIN or passkey it cannot type). */
enum answer { ANSWER_CONFIRM, ANSWER_NOTHING, ANSWER_REFUSE };

static const struct {
	const char *method;
	enum answer answer;
} answers[] = {
	{ "RequestAuthorization", ANSWER_CONFIRM },
	{ "RequestConfirmation", ANSWER_CONFIRM },
	{ "AuthorizeService", ANSWER_CONFIRM },
	{ "DisplayPasskey", ANSWER_NOTHING },
	{ "DisplayPinCode", ANSWER_NOTHING },
	{ "Release", ANSWER_NOTHING },
	{ "Cancel", ANSWER_NOTHING },
	{ "RequestPinCode", ANSWER_REFUSE },
	{ "RequestPasskey", ANSWER_REFUSE },
};

/* The answer to method, ANSWER_REFUSE to one the agent does not have. */
static enum answer answer_to(const char *method)
{
	for (size_t i = 0; i < G_N_ELEMENTS(answers); i++)
		if (!strcmp(method, answers[i].method))
			return answers[i].answer;
	return ANSWER_REFUSE;
}

static void method_call(GDBusConnection *conn, const gchar *sender,
			const gchar *path, const gchar *iface,
			const gchar *method, GVariant *params,
			GDBusMethodInvocation *inv, gpointer user_data)
{
	enum answer answer = answer_to(method);
	const char *device = NULL;

	if (g_str_has_prefix(g_variant_get_type_string(params), "(o"))
		g_variant_get_child(params, 0, "&o", &device);
	/* Another adapter's device: not the band's to confirm. */
	if (answer == ANSWER_REFUSE ||
	    (answer == ANSWER_CONFIRM &&
	     (!device ||
	      !g_str_has_prefix(device,
				((struct l2cap_agent *)user_data)->prefix)))) {
		g_dbus_method_invocation_return_dbus_error(
			inv, "org.bluez.Error.Rejected",
			"the band confirms Just Works pairing on its own "
			"adapter only");
		return;
	}
	g_dbus_method_invocation_return_value(inv, NULL);
}

static const GDBusInterfaceVTable vtable = { .method_call = method_call };

static bool call(struct l2cap_agent *a, const char *method, GVariant *args,
		 GError **error)
{
	GVariant *r = g_dbus_connection_call_sync(
		a->conn, "org.bluez", "/org/bluez", "org.bluez.AgentManager1",
		method, args, NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
		NULL, error);

	if (!r)
		return false;
	g_variant_unref(r);
	return true;
}

void l2cap_agent_free(struct l2cap_agent *a)
{
	if (!a)
		return;
	if (a->reg_id) {
		call(a, "UnregisterAgent", g_variant_new("(o)", AGENT_PATH),
		     NULL);
		g_dbus_connection_unregister_object(a->conn, a->reg_id);
	}
	g_clear_pointer(&a->info, g_dbus_node_info_unref);
	g_clear_object(&a->conn);
	g_free(a->prefix);
	g_free(a);
}

struct l2cap_agent *l2cap_agent_new(const char *adapter, GError **error)
{
	struct l2cap_agent *a = g_new0(struct l2cap_agent, 1);

	a->prefix = g_strdup_printf("/org/bluez/%s/", adapter);
	a->conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
	if (a->conn)
		a->info =
			g_dbus_node_info_new_for_xml(introspection_xml, error);
	if (a->info)
		a->reg_id = g_dbus_connection_register_object(
			a->conn, AGENT_PATH, a->info->interfaces[0], &vtable, a,
			NULL, error);
	if (a->reg_id &&
	    call(a, "RegisterAgent",
		 g_variant_new("(os)", AGENT_PATH, "NoInputNoOutput"), error) &&
	    call(a, "RequestDefaultAgent", g_variant_new("(o)", AGENT_PATH),
		 error))
		return a;
	l2cap_agent_free(a);
	return NULL;
}
