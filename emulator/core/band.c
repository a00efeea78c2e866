// SPDX-License-Identifier: GPL-2.0-or-later
#include "band-private.h"
#include "crypto.h"
#include "life.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MINUTE_MS 60000ull

uint64_t mb_band_now_ms(const struct mb_band *band)
{
	return band->clock->now_ms(band->clock->user_data);
}

void mb_band_debug(struct mb_band *band, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!band->debug)
		return;
	va_start(ap, fmt);
	s = mb_strdup_vprintf(fmt, ap);
	va_end(ap);
	band->debug(s, band->debug_data);
	free(s);
}

int64_t mb_band_local_time(const struct mb_band *band)
{
	int64_t ms = (int64_t)mb_band_now_ms(band) + band->rtc_offset_ms;

	return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

int8_t mb_band_tz(const struct mb_band *band)
{
	return band->tz;
}

/* The next whole minute of band local time, in band clock ms. */
static uint64_t next_minute(const struct mb_band *band)
{
	int64_t local = (int64_t)mb_band_now_ms(band) + band->rtc_offset_ms;
	int64_t next = (local / (int64_t)MINUTE_MS + 1) * (int64_t)MINUTE_MS;

	return (uint64_t)(next - band->rtc_offset_ms);
}

/* ---- the link's view of the table ------------------------------------ */

/* Protected characteristics (profile auth = yes) refuse until the link
 * passed Huami auth; the error is a policy (docs/auth.md). */
static uint8_t check_auth(const struct mb_band *band,
			  const struct mb_gatt_chr *chr)
{
	if (!chr->def->auth || band->auth.authenticated)
		return 0;
	return mb_profile_policy(band->profile)->unauthorized_att_error;
}

static uint8_t ops_read(const struct mb_gatt_chr *chr, uint8_t *buf,
			size_t *len, void *user_data)
{
	struct mb_band *band = user_data;
	const struct mb_chr_impl *impl = band->impl[chr->index];
	uint8_t ecode = check_auth(band, chr);

	if (ecode)
		return ecode;
	if (impl && impl->read)
		return impl->read(band, chr, buf, len);
	memcpy(buf, chr->def->value, chr->def->value_len);
	*len = chr->def->value_len;
	return 0;
}

static uint8_t ops_write(const struct mb_gatt_chr *chr, const uint8_t *value,
			 size_t len, bool command, void *user_data)
{
	struct mb_band *band = user_data;
	const struct mb_chr_impl *impl = band->impl[chr->index];
	uint8_t ecode = check_auth(band, chr);
	struct mb_fault f;

	if (ecode)
		return ecode;
	if (mb_band_fault(band, MB_FAULT_TRIGGER_WRITE, chr, value, len, 0, &f)) {
		/* status: the command is answered, not carried out. */
		if (f.action == MB_FAULT_ACTION_STATUS && len) {
			const uint8_t reply[3] = { 0x10, value[0], f.status };

			mb_band_notify(band, chr, reply, sizeof(reply));
		}
		return 0;
	}
	if (impl && impl->write)
		return impl->write(band, chr, value, len, command);
	/* What the fact sheet does not know, the band accepts and keeps its
	 * read value (docs/policies.md). */
	return 0;
}

static uint8_t ops_ccc_write(const struct mb_gatt_chr *chr, uint16_t value,
			     void *user_data)
{
	struct mb_band *band = user_data;

	/* Disabling is always allowed: it reveals nothing. */
	if (value)
		return check_auth(band, chr);
	return 0;
}

static const struct mb_att_ops att_ops = {
	.read = ops_read,
	.write = ops_write,
	.ccc_write = ops_ccc_write,
};

static void att_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct mb_band *band = user_data;

	/* A silenced link hears nothing more from the band, not even ATT
	 * responses: the "stuck" and "half-connected" faults. */
	if (band->link_silent)
		return;
	if (band->monitor)
		band->monitor(false, pdu, len, band->monitor_data);
	if (band->link_ops && band->link_ops->send)
		band->link_ops->send(pdu, len, band->link_data);
}

bool mb_band_connect(struct mb_band *band, const struct mb_band_link_ops *ops,
		     void *user_data)
{
	/* Off or booting: no advertising, nothing to connect to. */
	if (band->att || band->power.state != MB_POWER_STATE_ON)
		return false;
	band->att = mb_att_new(band->gatt, mb_profile_mtu(band->profile),
			       &att_ops, band);
	mb_att_set_send_handler(band->att, att_send, band);
	mb_att_set_debug(band->att, band->debug, band->debug_data);
	band->link_ops = ops;
	band->link_data = user_data;
	band->auth = (struct mb_link_auth){ .state = MB_AUTH_STATE_IDLE };
	band->link_congested = false;
	band->link_silent = false;
	band->link_dropping = false;
	mb_band_emit_simple(band, MB_EVENT_CONNECTED, NULL, NULL);
	mb_power_link_up(band);
	mb_band_fault(band, MB_FAULT_TRIGGER_CONNECT, NULL, NULL, 0, 0, NULL);
	return true;
}

void mb_band_disconnect(struct mb_band *band)
{
	if (!band->att)
		return;
	mb_auth_link_down(band);
	mb_fetch_link_down(band);
	mb_firmware_link_down(band);
	band->power.drop_at_ms = UINT64_MAX;
	mb_att_free(band->att);
	band->att = NULL;
	band->link_ops = NULL;
	band->link_data = NULL;
	mb_band_emit_simple(band, MB_EVENT_DISCONNECTED, NULL, NULL);
}

void mb_band_set_link_congested(struct mb_band *band, bool congested)
{
	band->link_congested = congested;
}

bool mb_band_connected(const struct mb_band *band)
{
	return band->att != NULL;
}

void mb_band_set_monitor(struct mb_band *band, mb_band_monitor_func_t fn,
			 void *user_data)
{
	band->monitor = fn;
	band->monitor_data = user_data;
}

void mb_band_receive(struct mb_band *band, const uint8_t *pdu, size_t len)
{
	if (band->att && band->monitor)
		band->monitor(true, pdu, len, band->monitor_data);
	if (band->att)
		mb_att_receive(band->att, pdu, len);
}

bool mb_band_notify(struct mb_band *band, const struct mb_gatt_chr *chr,
		    const uint8_t *value, size_t len)
{
	struct mb_fault f;
	uint8_t copy[MB_ATT_MAX_VALUE_LEN];

	if (!band->att || !chr || band->link_silent)
		return false;
	if (!mb_band_fault(band, MB_FAULT_TRIGGER_NOTIFY, chr, value, len, 0, &f))
		return mb_att_notify(band->att, chr, value, len);
	if (len > sizeof(copy))
		len = sizeof(copy);
	memcpy(copy, value, len);
	switch (f.action) {
	case MB_FAULT_ACTION_DROP:
		/* Lost on the air: the band goes on as if it had been sent. */
		return true;
	case MB_FAULT_ACTION_DUPLICATE:
		mb_att_notify(band->att, chr, value, len);
		return mb_att_notify(band->att, chr, value, len);
	case MB_FAULT_ACTION_SKIP_COUNTER:
		/* The fetch counter is byte 0 of an activity-data packet. */
		if (len) {
			copy[0]++;
			band->fetch.counter++;
		}
		return mb_att_notify(band->att, chr, copy, len);
	case MB_FAULT_ACTION_CORRUPT:
		if (len)
			copy[len - 1] ^= 0xff;
		return mb_att_notify(band->att, chr, copy, len);
	case MB_FAULT_ACTION_FOREIGN_NOTIFY:
		mb_att_notify(band->att, mb_gatt_find_chr(band->gatt, NULL, &f.target),
			      f.value, f.value_len);
		return mb_att_notify(band->att, chr, value, len);
	case MB_FAULT_ACTION_STATUS:
		return mb_att_notify(band->att, chr, value, len);
	case MB_FAULT_ACTION_DISCONNECT:
	case MB_FAULT_ACTION_SILENCE:
	case MB_FAULT_ACTION_REBOOT:
	case MB_FAULT_ACTION_BROWN_OUT:
		break;
	}
	return false;
}

/* ---- faults ------------------------------------------------------------ */

static bool fault_matches(const struct mb_band *band, const struct mb_fault *f,
			  enum mb_fault_trigger trigger, const struct mb_gatt_chr *chr,
			  const uint8_t *value, size_t len, unsigned int level)
{
	if (f->trigger != trigger)
		return false;
	if (f->has_chr && (!chr || !mb_uuid_eq(&f->chr, &chr->def->uuid)))
		return false;
	if (f->match_len && (len < f->match_len || memcmp(value, f->match, f->match_len)))
		return false;
	switch (trigger) {
	case MB_FAULT_TRIGGER_FIRMWARE:
		return level >= f->percent;
	case MB_FAULT_TRIGGER_BATTERY:
		return level <= f->percent;
	case MB_FAULT_TRIGGER_MINUTE:
		return mb_band_now_ms(band) >= f->armed_ms + f->minute * 60000ull;
	case MB_FAULT_TRIGGER_NOTIFY:
	case MB_FAULT_TRIGGER_WRITE:
	case MB_FAULT_TRIGGER_CONNECT:
		return true;
	}
	return false;
}

bool mb_band_fault(struct mb_band *band, enum mb_fault_trigger trigger,
		   const struct mb_gatt_chr *chr, const uint8_t *value, size_t len,
		   unsigned int level, struct mb_fault *fired)
{
	struct mb_fault f;
	struct mb_event ev;
	size_t i;

	for (i = 0; i < band->n_faults; i++) {
		if (!fault_matches(band, &band->faults[i], trigger, chr, value, len, level))
			continue;
		if (band->faults[i].seen++ < band->faults[i].after)
			continue;
		break;
	}
	if (i == band->n_faults)
		return false;
	/* Spent before it acts: an action that notifies again (brown-out,
	 * reboot) must not fire it twice. */
	f = band->faults[i];
	f.spec = NULL;
	if (++band->faults[i].fired == band->faults[i].count) {
		mb_fault_clear(&band->faults[i]);
		memmove(&band->faults[i], &band->faults[i + 1],
			(band->n_faults - i - 1) * sizeof(*band->faults));
		band->n_faults--;
	}
	mb_event_init(&ev, MB_EVENT_FAULT_FIRED);
	mb_event_add_uint32(&ev, "id", f.id);
	mb_event_add_string(&ev, "name", f.name);
	mb_event_add_string(&ev, "action", mb_fault_action_name(f.action));
	mb_band_emit(band, &ev);
	switch (f.action) {
	case MB_FAULT_ACTION_DISCONNECT:
		mb_band_drop_link(band);
		break;
	case MB_FAULT_ACTION_SILENCE:
		band->link_silent = band->att != NULL;
		break;
	case MB_FAULT_ACTION_REBOOT:
		mb_band_reboot(band);
		break;
	case MB_FAULT_ACTION_BROWN_OUT:
		mb_band_set_battery(band, 0);
		break;
	case MB_FAULT_ACTION_DROP:
	case MB_FAULT_ACTION_DUPLICATE:
	case MB_FAULT_ACTION_SKIP_COUNTER:
	case MB_FAULT_ACTION_CORRUPT:
	case MB_FAULT_ACTION_STATUS:
	case MB_FAULT_ACTION_FOREIGN_NOTIFY:
		break;
	}
	if (fired)
		*fired = f;
	return true;
}

static bool lookup_chr(const char *name, struct mb_uuid *out, void *user_data)
{
	const struct mb_band *band = user_data;

	for (size_t i = 0; i < mb_gatt_n_chrs(band->gatt); i++) {
		const struct mb_gatt_chr *c = mb_gatt_chr(band->gatt, i);
		char full[MB_UUID_STR_LEN];

		mb_uuid_to_string(&c->def->uuid, full);
		/* By profile name, or by the 8 hex digits of a Huami UUID. */
		if (!strcmp(c->def->name, name) ||
		    (strlen(name) == 8 && !strncmp(full, name, 8))) {
			*out = c->def->uuid;
			return true;
		}
	}
	return false;
}

unsigned int mb_band_inject_fault(struct mb_band *band, const char *line,
				  char **err)
{
	struct mb_fault f;

	if (!mb_fault_parse(line, lookup_chr, band, &f, err))
		return 0;
	f.id = ++band->next_fault_id;
	if (!f.name[0])
		snprintf(f.name, sizeof(f.name), "fault-%u", f.id);
	f.armed_ms = mb_band_now_ms(band);
	band->faults = realloc(band->faults, (band->n_faults + 1) * sizeof(*band->faults));
	if (!band->faults)
		abort();
	band->faults[band->n_faults++] = f;
	return f.id;
}

void mb_band_clear_faults(struct mb_band *band)
{
	for (size_t i = 0; i < band->n_faults; i++)
		mb_fault_clear(&band->faults[i]);
	free(band->faults);
	band->faults = NULL;
	band->n_faults = 0;
}

size_t mb_band_n_faults(const struct mb_band *band)
{
	return band->n_faults;
}

const char *mb_band_fault_spec(const struct mb_band *band, size_t i,
			       unsigned int *id)
{
	if (i >= band->n_faults)
		return NULL;
	*id = band->faults[i].id;
	return band->faults[i].spec;
}

bool mb_band_notify_uuid(struct mb_band *band, const char *uuid,
			 const uint8_t *value, size_t len)
{
	return mb_band_notify(band, mb_band_chr(band, uuid), value, len);
}

void mb_band_emit(struct mb_band *band, const struct mb_event *ev)
{
	mb_band_debug(band, "event %s", mb_event_name(ev->id));
	if (band->event)
		band->event(ev, band->event_data);
}

void mb_band_emit_simple(struct mb_band *band, enum mb_event_id id,
			 const char *key, const char *value)
{
	struct mb_event ev;

	mb_event_init(&ev, id);
	if (key)
		mb_event_add_string(&ev, key, value);
	mb_band_emit(band, &ev);
}

void mb_huami_reply(struct mb_band *band, const char *uuid, uint8_t command,
		    uint8_t status, const uint8_t *payload, size_t len)
{
	uint8_t pdu[3 + 16];

	if (len > sizeof(pdu) - 3)
		len = sizeof(pdu) - 3;
	pdu[0] = 0x10;
	pdu[1] = command;
	pdu[2] = status;
	if (len)
		memcpy(pdu + 3, payload, len);
	mb_band_notify_uuid(band, uuid, pdu, 3 + len);
}

void mb_huami_malformed(struct mb_band *band, const char *uuid, uint8_t command)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_MALFORMED);
	mb_event_add_string(&ev, "characteristic", uuid);
	mb_event_add_byte(&ev, "command", command);
	mb_band_emit(band, &ev);
	mb_huami_reply(band, uuid, command, MB_HUAMI_STATUS_MALFORMED, NULL, 0);
}

void mb_huami_dispatch(struct mb_band *band, const char *uuid,
		       const struct mb_huami_cmd *table, size_t n,
		       const uint8_t *value, size_t len)
{
	/* An empty write has no command byte to answer to. */
	if (!len)
		return;
	for (size_t i = 0; i < n; i++) {
		if (table[i].command != value[0])
			continue;
		if (len < table[i].min_len || len > table[i].max_len)
			break;
		table[i].handler(band, value, len);
		return;
	}
	mb_huami_malformed(band, uuid, value[0]);
}

bool mb_band_save_state(struct mb_band *band, char **err)
{
	return !band->persist || band->persist(&band->state, band->persist_data, err);
}

void mb_band_drop_link(struct mb_band *band)
{
	/* The link keeps no rights while the transport takes it down, and
	 * gets no more data: only the reply already being sent. */
	band->auth.authenticated = false;
	band->link_dropping = band->att != NULL;
	if (band->att && band->link_ops && band->link_ops->disconnect)
		band->link_ops->disconnect(band->link_data);
}

const struct mb_gatt_chr *mb_band_chr(const struct mb_band *band,
				      const char *uuid)
{
	struct mb_uuid u;

	if (!mb_uuid_parse(uuid, &u))
		return NULL;
	return mb_gatt_find_chr(band->gatt, NULL, &u);
}

/* ---- band life -------------------------------------------------------- */

void mb_band_battery_use(struct mb_band *band, enum mb_drain what,
			 unsigned int units)
{
	switch (what) {
	case MB_DRAIN_RADIO:
		mb_battery_drain(&band->battery, units * MB_BATTERY_RADIO_PER_PDU);
		break;
	case MB_DRAIN_SCREEN:
		mb_battery_drain(&band->battery, units * MB_BATTERY_SCREEN_PER_USE);
		break;
	case MB_DRAIN_LOGGING:
		/* Part of the per-minute base cost. */
		break;
	}
}

void mb_band_set_battery(struct mb_band *band, unsigned int percent)
{
	mb_battery_set_level(&band->battery, (uint8_t)(percent > 100 ? 100 : percent));
	mb_power_changed(band);
}

void mb_band_set_charging(struct mb_band *band, bool plugged)
{
	band->battery.plugged = plugged;
	mb_battery_set_charging(&band->battery, plugged, mb_band_local_time(band),
				band->tz);
	mb_power_changed(band);
}

unsigned int mb_band_battery_level(const struct mb_band *band)
{
	return mb_battery_level(&band->battery);
}

bool mb_band_charging(const struct mb_band *band)
{
	return band->battery.charging;
}

const char *mb_band_power(const struct mb_band *band)
{
	switch (band->power.state) {
	case MB_POWER_STATE_ON:
		return "on";
	case MB_POWER_STATE_OFF:
		return "off";
	case MB_POWER_STATE_BOOTING:
		return "booting";
	}
	return "on";
}

void mb_band_set_firmware_info(struct mb_band *band,
			       const struct mb_firmware_info *info)
{
	band->fwinfo = *info;
}

const struct mb_firmware_info *mb_band_firmware_info(const struct mb_band *band)
{
	return &band->fwinfo;
}

void mb_band_set_file_store(struct mb_band *band, mb_band_save_file_func_t fn,
			    void *user_data)
{
	band->save_file = fn;
	band->save_file_data = user_data;
}

const char *mb_band_software_revision(const struct mb_band *band)
{
	return mb_firmware_version(band);
}

/* The day's totals follow the log: realtime steps and the advertised
 * service data count what was logged since local midnight.  Distance
 * and calories are estimates from steps (0.7 m and 0.04 kcal a step). */
static void add_to_day(struct mb_band *band, uint32_t minute, const uint8_t data[4])
{
	uint32_t day = minute / 1440;

	if (day != band->steps_day) {
		band->steps = (struct mb_steps){ 0 };
		band->steps_day = day;
	}
	band->steps.steps += data[2];
	band->steps.distance_m = band->steps.steps * 7 / 10;
	band->steps.calories = band->steps.steps / 25;
}

static void recount_day(struct mb_band *band)
{
	uint32_t today = (uint32_t)(mb_band_local_time(band) / 86400);

	band->steps = (struct mb_steps){ 0 };
	band->steps_day = today;
	for (size_t i = 0; i < mb_flashlog_count(band->log); i++) {
		const struct mb_flashlog_sample *s = mb_flashlog_at(band->log, i);

		if (s->minute / 1440 == today)
			add_to_day(band, s->minute, s->data);
	}
}

/* tick_ms: the band clock at the minute boundary; the sample is for the
 * local minute that just ended. */
static void minute_tick(struct mb_band *band, uint64_t tick_ms)
{
	int64_t local_ms = (int64_t)tick_ms + band->rtc_offset_ms;
	uint32_t minute = (uint32_t)(local_ms / 60000) - 1;
	const struct mb_gatt_chr *steps;
	uint8_t sample[MB_SAMPLE_LEN], value[13];

	mb_life_sample(band->life_seed, minute, sample);
	/* A band that is off (or booting) logs nothing: a gap in the log.
	 * The wearer still lives, and may put it on the charger. */
	if (band->power.state == MB_POWER_STATE_ON) {
		mb_flashlog_append(band->log, minute, sample);
		add_to_day(band, minute, sample);
		mb_band_battery_use(band, MB_DRAIN_LOGGING, 1);
		/* The real band notifies realtime steps about once a minute
		 * while subscribed (protocol §2.4). */
		steps = mb_band_chr(band, MB_UUID_REALTIME_STEPS);
		if (steps) {
			mb_band_encode_steps(band, value);
			mb_band_notify(band, steps, value, sizeof(value));
		}
	}
	mb_power_minute(band, sample);
	mb_band_fault(band, MB_FAULT_TRIGGER_MINUTE, NULL, NULL, 0, 0, NULL);
}

/* Everything due by now, in time order: a confirm window that closed
 * before a minute boundary is handled before it.  A transfer moves one
 * step per call, so PDUs from the central get in between. */
void mb_band_run(struct mb_band *band)
{
	uint64_t now = mb_band_now_ms(band);

	for (;;) {
		uint64_t auth = mb_auth_deadline(band);
		uint64_t power = mb_power_deadline(band);

		if (auth <= now && auth <= band->next_minute_ms) {
			mb_auth_run(band, auth);
			continue;
		}
		if (power <= now && power <= band->next_minute_ms) {
			mb_power_run(band, power);
			continue;
		}
		if (band->next_minute_ms > now)
			break;
		band->next_minute_ms += MINUTE_MS;
		minute_tick(band, band->next_minute_ms - MINUTE_MS);
	}
	if (band->att)
		mb_fetch_run(band, now);
}

uint64_t mb_band_next_deadline(const struct mb_band *band)
{
	uint64_t d = band->next_minute_ms, auth = mb_auth_deadline(band);
	uint64_t fetch = mb_fetch_deadline(band), power = mb_power_deadline(band);

	if (auth < d)
		d = auth;
	if (power < d)
		d = power;
	return fetch < d ? fetch : d;
}

/* protocol §9: device events 04 (button) and 0B (long press). */
void mb_band_press_button(struct mb_band *band)
{
	static const uint8_t pressed = 0x04;

	mb_band_emit_simple(band, MB_EVENT_BUTTON_PRESSED, NULL, NULL);
	mb_band_battery_use(band, MB_DRAIN_SCREEN, 1);
	if (!mb_auth_press(band))
		mb_band_notify_uuid(band, MB_UUID_DEVICE_EVENT, &pressed, 1);
}

void mb_band_long_press_button(struct mb_band *band)
{
	static const uint8_t long_pressed = 0x0b;

	mb_band_emit_simple(band, MB_EVENT_BUTTON_LONG_PRESSED, NULL, NULL);
	if (!mb_auth_long_press(band))
		mb_band_notify_uuid(band, MB_UUID_DEVICE_EVENT, &long_pressed, 1);
}

/* protocol §10: the key goes, the address changes, the link drops. */
bool mb_band_factory_reset(struct mb_band *band, char **err)
{
	struct mb_band_state old = band->state;
	char addr[18];

	if (!mb_band_state_new_address(&band->state)) {
		mb_set_error(err, "the random number generator failed");
		return false;
	}
	band->state.bound = false;
	mb_crypto_wipe(band->state.key, sizeof(band->state.key));
	if (!mb_band_save_state(band, err)) {
		band->state = old;
		mb_crypto_wipe(&old, sizeof(old));
		return false;
	}
	mb_crypto_wipe(&old, sizeof(old));
	mb_auth_link_down(band);
	/* The activity log goes with the owner (protocol §10). */
	mb_fetch_link_down(band);
	mb_flashlog_clear(band->log);
	recount_day(band);
	mb_band_state_address(&band->state, addr);
	mb_band_emit_simple(band, MB_EVENT_RESET, "address", addr);
	mb_band_drop_link(band);
	return true;
}

void mb_band_reboot(struct mb_band *band)
{
	mb_band_emit_simple(band, MB_EVENT_REBOOT, NULL, NULL);
	mb_band_drop_link(band);
}

/* ---- set-up ----------------------------------------------------------- */

struct mb_band *mb_band_new(const struct mb_profile *profile,
			    const struct mb_band_state *state,
			    const struct mb_clock *clock, char **err)
{
	struct mb_band *band;
	struct mb_gatt *gatt = mb_gatt_new(profile, err);

	if (!gatt)
		return NULL;
	band = mb_malloc0(sizeof(*band));
	band->profile = profile;
	band->clock = clock;
	band->gatt = gatt;
	band->state = *state;
	band->impl = mb_malloc0(mb_gatt_n_chrs(gatt) * sizeof(*band->impl));
	for (size_t i = 0; i < mb_gatt_n_chrs(gatt); i++)
		band->impl[i] = mb_chr_impl_find(&mb_gatt_chr(gatt, i)->def->uuid);
	/* A factory-new band's RTC starts at the clock's UTC time, tz 0. */
	mb_battery_init(&band->battery,
			(uint8_t)mb_profile_battery_level(profile),
			mb_profile_battery_charging(profile),
			mb_band_local_time(band), band->tz);
	band->next_minute_ms = next_minute(band);
	band->life_seed = 1;
	mb_firmware_info_init(&band->fwinfo);
	mb_power_init(band);
	band->own_flash = mb_malloc0(mb_band_flash_size(band));
	memset(band->own_flash, 0xff, mb_band_flash_size(band));
	mb_band_attach_flash(band, band->own_flash, NULL);
	return band;
}

size_t mb_band_flash_size(const struct mb_band *band)
{
	return mb_flashlog_size_for_days(mb_profile_policy(band->profile)->flash_log_days);
}

void mb_band_attach_flash(struct mb_band *band, uint8_t *mem, unsigned int *torn)
{
	mb_flashlog_free(band->log);
	band->fetch = (struct mb_fetch){ .state = MB_FETCH_STATE_IDLE };
	mb_flash_init(&band->flash, mem, mb_band_flash_size(band));
	band->log = mb_flashlog_open(&band->flash, torn);
	if (mem != band->own_flash) {
		free(band->own_flash);
		band->own_flash = NULL;
	}
	recount_day(band);
}

void mb_band_set_life_seed(struct mb_band *band, uint64_t seed)
{
	band->life_seed = seed;
}

size_t mb_band_log_count(const struct mb_band *band)
{
	return mb_flashlog_count(band->log);
}

bool mb_band_log_sample(const struct mb_band *band, size_t i, uint32_t *minute,
			uint8_t data[4])
{
	const struct mb_flashlog_sample *s = mb_flashlog_at(band->log, i);

	if (!s)
		return false;
	*minute = s->minute;
	memcpy(data, s->data, 4);
	return true;
}

uint32_t mb_band_acked_minute(const struct mb_band *band)
{
	return mb_flashlog_acked_minute(band->log);
}

size_t mb_band_stored_samples(const struct mb_band *band)
{
	return mb_flashlog_stored(band->log);
}

void mb_band_free(struct mb_band *band)
{
	if (!band)
		return;
	band->event = NULL;
	mb_band_disconnect(band);
	mb_crypto_wipe(&band->state, sizeof(band->state));
	mb_crypto_wipe(&band->binding, sizeof(band->binding));
	mb_flashlog_free(band->log);
	free(band->own_flash);
	free(band->fw.buf);
	mb_band_clear_faults(band);
	mb_gatt_free(band->gatt);
	free(band->impl);
	free(band);
}

void mb_band_set_debug(struct mb_band *band, mb_debug_func_t fn,
		       void *user_data)
{
	band->debug = fn;
	band->debug_data = user_data;
	if (band->att)
		mb_att_set_debug(band->att, fn, user_data);
}

const struct mb_gatt *mb_band_gatt(const struct mb_band *band)
{
	return band->gatt;
}

const struct mb_band_state *mb_band_state(const struct mb_band *band)
{
	return &band->state;
}

const char *mb_band_prompt(const struct mb_band *band)
{
	return band->binding.state == MB_BIND_STATE_W4_TAP ? "pair-confirm" : "";
}

const char *mb_band_busy(const struct mb_band *band)
{
	if (band->binding.state == MB_BIND_STATE_W4_TAP)
		return "bind";
	if (band->fetch.state != MB_FETCH_STATE_IDLE)
		return "fetch";
	if (band->fw.state != MB_FW_STATE_IDLE)
		return "firmware";
	return "";
}

bool mb_band_authenticated(const struct mb_band *band)
{
	return band->att && band->auth.authenticated;
}

void mb_band_set_event_handler(struct mb_band *band, mb_event_func_t fn,
			       void *user_data)
{
	band->event = fn;
	band->event_data = user_data;
}

void mb_band_set_persist(struct mb_band *band, mb_band_persist_func_t fn,
			 void *user_data)
{
	band->persist = fn;
	band->persist_data = user_data;
}

struct mb_att *mb_band_att(const struct mb_band *band)
{
	return band->att;
}

static size_t put_ad(uint8_t *buf, size_t off, uint8_t type, const void *data,
		     size_t len)
{
	buf[off] = (uint8_t)(len + 1);
	buf[off + 1] = type;
	memcpy(buf + off + 2, data, len);
	return off + 2 + len;
}

void mb_band_adv_data(const struct mb_band *band, uint8_t adv[31],
		      size_t *adv_len, uint8_t scan_rsp[31],
		      size_t *scan_rsp_len)
{
	const struct mb_profile_adv *a = mb_profile_adv(band->profile);
	uint8_t mfr[26], svc[6];
	size_t n = 0;
	uint16_t svc16 = 0;

	/* Advertising data: flags, then manufacturer data for company
	 * 0x0157 with the heart-rate byte (protocol §1). */
	n = put_ad(adv, n, 0x01, &a->flags, 1);
	mb_put_le16(mfr, a->manufacturer_id);
	memcpy(mfr + 2, a->manufacturer_data, a->manufacturer_data_len);
	if (a->manufacturer_data_len)
		mfr[2 + a->heart_rate_offset] = 0xff; /* no HR measured yet */
	*adv_len = put_ad(adv, n, 0xff, mfr, 2 + a->manufacturer_data_len);

	/* Scan response: complete local name, then service data on 0xFEE0
	 * with the day's steps, u32 LE. */
	n = put_ad(scan_rsp, 0, 0x09, a->local_name, strlen(a->local_name));
	mb_uuid_to16(&a->service_data_uuid, &svc16);
	mb_put_le16(svc, svc16);
	mb_put_le32(svc + 2, band->steps.steps);
	*scan_rsp_len = put_ad(scan_rsp, n, 0x16, svc, sizeof(svc));
}

const struct mb_profile *mb_band_profile(const struct mb_band *band)
{
	return band->profile;
}
