// SPDX-License-Identifier: GPL-2.0-or-later
/* What the band shows, from the events it emits (docs/policies.md#screen).
 * The events are the contract: the parts emit them and never call the
 * screen; the table below says what each one does to what is shown. */
#include "screen.h"

#include <stdlib.h>
#include <string.h>

#include "services.h"
#include "util.h"

#define S_MS 1000ull

/* How long a screen stays once up, from the policy; ENDED ones stay until
 * an event ends them. */
enum hold {
	HOLD_ENDED,
	HOLD_NOTICE,
	HOLD_MESSAGE,
	HOLD_ALARM,
};

/* Higher outranks lower: a call over a message, an update over all
 * (docs/policies.md#screen). */
static const struct {
	const char *name;
	unsigned int rank;
	enum hold hold;
} screens[MB_SCREEN_COUNT] = {
	[MB_SCREEN_OFF] = { "off", 0, HOLD_ENDED },
	[MB_SCREEN_TIME] = { "time", 0, HOLD_ENDED },
	[MB_SCREEN_MUSIC] = { "music", 1, HOLD_ENDED },
	[MB_SCREEN_WORKOUT] = { "workout", 2, HOLD_ENDED },
	[MB_SCREEN_SYNCING] = { "syncing", 3, HOLD_ENDED },
	[MB_SCREEN_CHARGING] = { "charging", 4, HOLD_NOTICE },
	[MB_SCREEN_PAIR_FIRST] = { "pair-first", 5, HOLD_NOTICE },
	[MB_SCREEN_HEART_RATE] = { "heart-rate", 6, HOLD_ENDED },
	[MB_SCREEN_LOW_BATTERY] = { "low-battery", 7, HOLD_NOTICE },
	[MB_SCREEN_MESSAGE] = { "message", 8, HOLD_MESSAGE },
	[MB_SCREEN_FIND_PHONE] = { "find-phone", 9, HOLD_ENDED },
	[MB_SCREEN_FIND_BAND] = { "find-band", 10, HOLD_ENDED },
	[MB_SCREEN_ALARM] = { "alarm", 11, HOLD_ALARM },
	[MB_SCREEN_CALL] = { "call", 12, HOLD_ENDED },
	[MB_SCREEN_PAIR_CONFIRM] = { "pair-confirm", 13, HOLD_ENDED },
	[MB_SCREEN_UPDATE] = { "update", 14, HOLD_ENDED },
};

/* What an event does to a screen. */
enum op {
	OP_SHOW,    /* it comes up (again), its fields from the event */
	OP_UPDATE,  /* if up: the fields the event has */
	OP_END,	    /* it goes */
	OP_LINGER,  /* if up: it goes a notice's time from now */
	OP_WAKE,    /* the time shows (a tap) */
	OP_CLEAR,   /* everything goes (a restart) */
	OP_DARK,    /* everything goes, and nothing shows until OP_LIGHT */
	OP_LIGHT,   /* the band runs again */
	OP_BATTERY, /* remember the battery, for the next battery-changed */
};

/* Which events of an id a row takes. */
enum when {
	WHEN_ALWAYS,
	WHEN_IS,	/* the string field key is value */
	WHEN_NONZERO,	/* the number key is not 0 */
	WHEN_ZERO,	/* ... is 0 */
	WHEN_LOW,	/* battery-changed fell to the low-battery level */
	WHEN_PLUGGED,	/* battery-changed: charging now, not before */
	WHEN_UNPLUGGED, /* ... the other way */
};

struct row {
	enum mb_event_id event;
	enum when when;
	const char *key;
	const char *value;
	enum op op;
	enum mb_screen_id screen;
	/* The event's fields the screen shows. */
	const char *fields[MB_SCREEN_MAX_FIELDS];
};

#define ROW(ev, when, key, value, op, screen, ...)               \
	{                                                        \
		MB_EVENT_##ev, WHEN_##when, key, value, OP_##op, \
			MB_SCREEN_##screen,                      \
		{                                                \
			__VA_ARGS__                              \
		}                                                \
	}
/* Every event of id, for screen. */
#define ANY(ev, op, screen, ...) \
	ROW(ev, ALWAYS, NULL, NULL, op, screen, __VA_ARGS__)
/* The events of id whose key is value. */
#define IS(ev, key, value, op, screen, ...) \
	ROW(ev, IS, key, value, op, screen, __VA_ARGS__)

/* In order: the rows of one event apply one after the other. */
static const struct row rows[] = {
	/* The wearer's hand, and the band's power. */
	ANY(BUTTON_PRESSED, WAKE, TIME),
	ANY(BUTTON_LONG_PRESSED, WAKE, TIME),
	ANY(POWER_OFF, DARK, OFF),
	ANY(POWER_ON, LIGHT, OFF),
	ANY(POWER_ON, WAKE, TIME),
	ANY(REBOOT, CLEAR, OFF),
	ANY(REBOOT, WAKE, TIME),
	ANY(RESET, CLEAR, OFF),
	ANY(RESET, WAKE, TIME),
	/* Binding (protocol §3, §10): the prompt until a tap, a long press,
	 * its window or the link ends it; "pair first" for a client that
	 * asks a band without a key for a challenge. */
	ANY(PROMPT_SHOWN, SHOW, PAIR_CONFIRM),
	ANY(PROMPT_DECLINED, END, PAIR_CONFIRM),
	ANY(PROMPT_TIMED_OUT, END, PAIR_CONFIRM),
	ANY(BOUND, END, PAIR_CONFIRM),
	IS(BIND_REFUSED, "reason", "storage", END, PAIR_CONFIRM),
	IS(BIND_REFUSED, "reason", "disconnected", END, PAIR_CONFIRM),
	IS(AUTH_FAILED, "reason", "not-bound", SHOW, PAIR_FIRST),
	/* The battery (protocol §5). */
	ROW(BATTERY_CHANGED, LOW, NULL, NULL, SHOW, LOW_BATTERY, "level"),
	ROW(BATTERY_CHANGED, PLUGGED, NULL, NULL, END, LOW_BATTERY),
	ROW(BATTERY_CHANGED, PLUGGED, NULL, NULL, SHOW, CHARGING, "level"),
	ROW(BATTERY_CHANGED, UNPLUGGED, NULL, NULL, END, CHARGING),
	ANY(BATTERY_CHANGED, UPDATE, CHARGING, "level"),
	ANY(BATTERY_CHANGED, BATTERY, OFF),
	/* A sync with something to send, until it ends (protocol §4). */
	ROW(FETCH_STARTED, NONZERO, "count", NULL, SHOW, SYNCING),
	ANY(FETCH_COMPLETED, END, SYNCING),
	ANY(FETCH_ABORTED, END, SYNCING),
	/* An update and its percent (protocol §7), until it is verified or
	 * dropped; a file refused while another is under way ends nothing. */
	ANY(FIRMWARE_STARTED, SHOW, UPDATE),
	ANY(FIRMWARE_PROGRESS, UPDATE, UPDATE, "percent"),
	ANY(FIRMWARE_VERIFIED, END, UPDATE),
	IS(FIRMWARE_FAILED, "reason", "interrupted", END, UPDATE),
	IS(FIRMWARE_FAILED, "reason", "low-battery", END, UPDATE),
	IS(FIRMWARE_FAILED, "reason", "crc", END, UPDATE),
	IS(FIRMWARE_FAILED, "reason", "size", END, UPDATE),
	IS(FIRMWARE_FAILED, "reason", "unrecognised", END, UPDATE),
	IS(FIRMWARE_FAILED, "reason", "storage", END, UPDATE),
	/* The band's routine. */
	ANY(ALARM_RANG, SHOW, ALARM, "slot", "ring"),
	/* Alerts: a call until it ends, a message for a while, find band
	 * while its level is not 0. */
	ANY(CALL_RINGING, SHOW, CALL, "caller"),
	ANY(CALL_ENDED, END, CALL),
	ANY(ALERT_RECEIVED, SHOW, MESSAGE, "category", "title", "text"),
	ROW(FIND_BAND, NONZERO, "level", NULL, SHOW, FIND_BAND, "level"),
	ROW(FIND_BAND, ZERO, "level", NULL, END, FIND_BAND),
	/* A measurement the wearer or the app asked for shows; the band's
	 * own (sleep, periodic) does not.  The reading stays a notice's time
	 * after it stops. */
	IS(HR_STARTED, "mode", "manual", SHOW, HEART_RATE, "mode"),
	IS(HR_STARTED, "mode", "continuous", SHOW, HEART_RATE, "mode"),
	IS(HR_MEASURED, "mode", "manual", UPDATE, HEART_RATE, "bpm"),
	IS(HR_MEASURED, "mode", "continuous", UPDATE, HEART_RATE, "bpm"),
	IS(HR_STOPPED, "mode", "manual", LINGER, HEART_RATE),
	IS(HR_STOPPED, "mode", "continuous", LINGER, HEART_RATE),
	/* The band's own menus (protocol §9). */
	IS(FIND_PHONE, "state", "started", SHOW, FIND_PHONE, "state"),
	IS(FIND_PHONE, "state", "acknowledged", UPDATE, FIND_PHONE, "state"),
	IS(FIND_PHONE, "state", "stopped", END, FIND_PHONE),
	IS(MUSIC_CONTROL, "action", "open", SHOW, MUSIC),
	IS(MUSIC_CONTROL, "action", "close", END, MUSIC),
	ANY(MUSIC_INFO, UPDATE, MUSIC, "state", "track", "artist"),
	/* A workout, from its start to its end (docs/workouts.md). */
	ANY(WORKOUT_STARTED, SHOW, WORKOUT, "kind"),
	ANY(WORKOUT_ENDED, END, WORKOUT),
};

/* A screen that is up.  fields[i].str points into text[i]: never
 * copied as a whole. */
struct up {
	bool on;
	uint64_t until; /* UINT64_MAX: until an event ends it */
	struct mb_event_field fields[MB_SCREEN_MAX_FIELDS];
	char text[MB_SCREEN_MAX_FIELDS][MB_SCREEN_TEXT_MAX];
	size_t n_fields;
	bool changed; /* its fields, since the last look */
};

struct mb_screen {
	const struct mb_services *svc;
	const struct mb_policy *pol;
	struct up up[MB_SCREEN_COUNT];
	/* The time shows until then when nothing else does; 0: it does
	 * not. */
	uint64_t awake_until;
	bool dark; /* the band is off */
	enum mb_screen_id shown;
	/* The battery as the last battery-changed had it. */
	bool battery_known;
	uint32_t level;
	bool charging;
};

struct mb_screen *mb_screen_new(const struct mb_services *svc,
				const struct mb_policy *policy)
{
	return MB_NEW(struct mb_screen, .svc = svc, .pol = policy,
		      .shown = MB_SCREEN_OFF);
}

void mb_screen_free(struct mb_screen *screen)
{
	free(screen);
}

const char *mb_screen_name(enum mb_screen_id id)
{
	return id < MB_SCREEN_COUNT ? screens[id].name : "unknown";
}

static uint64_t hold_ms(const struct mb_screen *s, enum hold hold)
{
	switch (hold) {
	case HOLD_ENDED:
		break;
	case HOLD_NOTICE:
		return s->pol->screen_notice_s * S_MS;
	case HOLD_MESSAGE:
		return s->pol->screen_message_s * S_MS;
	case HOLD_ALARM:
		return s->pol->screen_alarm_s * S_MS;
	}
	return UINT64_MAX;
}

/* ---- the fields ------------------------------------------------------- */

/* A number field's value; 0 for none. */
static uint32_t number(const struct mb_event_field *f)
{
	if (!f)
		return 0;
	switch (f->type) {
	case MB_EVENT_TYPE_BYTE:
		return f->byte;
	case MB_EVENT_TYPE_UINT32:
		return f->u32;
	case MB_EVENT_TYPE_STRING:
		break;
	}
	return 0;
}

/* At most size - 1 bytes of s, not ending inside a UTF-8 sequence (the
 * text leaves the program as a D-Bus string). */
static void copy_text(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The field key of u takes from's value; true if that changed it. */
static bool set_field(struct up *u, const char *key,
		      const struct mb_event_field *from)
{
	struct mb_event_field *f = NULL;
	size_t i;

	for (i = 0; i < u->n_fields && !f; i++)
		if (!strcmp(u->fields[i].key, key))
			f = &u->fields[i];
	if (!f) {
		if (u->n_fields == MB_SCREEN_MAX_FIELDS)
			return false;
		i = u->n_fields++;
		f = &u->fields[i];
		*f = (struct mb_event_field){ .key = key, .type = from->type };
		u->text[i][0] = '\0';
	} else {
		i = (size_t)(f - u->fields);
		if (f->type == from->type &&
		    (from->type == MB_EVENT_TYPE_STRING
			     ? !strncmp(f->str, from->str,
					MB_SCREEN_TEXT_MAX - 1)
			     : number(f) == number(from)))
			return false;
	}
	f->type = from->type;
	f->byte = from->byte;
	f->u32 = from->u32;
	copy_text(u->text[i], sizeof(u->text[i]),
		  from->type == MB_EVENT_TYPE_STRING ? from->str : "");
	f->str = u->text[i];
	return true;
}

/* The fields of r that ev has; true if any changed. */
static bool take_fields(struct up *u, const struct row *r,
			const struct mb_event *ev)
{
	bool changed = false;

	for (size_t i = 0; i < MB_SCREEN_MAX_FIELDS && r->fields[i]; i++) {
		const struct mb_event_field *f =
			mb_event_field(ev, r->fields[i]);

		if (f)
			changed |= set_field(u, r->fields[i], f);
	}
	return changed;
}

/* ---- the table -------------------------------------------------------- */

static bool matches(const struct mb_screen *s, const struct row *r,
		    const struct mb_event *ev)
{
	const struct mb_event_field *f = r->key ? mb_event_field(ev, r->key)
						: NULL;
	const struct mb_event_field *lf = mb_event_field(ev, "level"),
				    *cf = mb_event_field(ev, "charging");
	uint32_t low = s->pol->screen_low_battery_percent;
	bool charging = cf && number(cf);

	switch (r->when) {
	case WHEN_ALWAYS:
		return true;
	case WHEN_IS:
		return f && f->type == MB_EVENT_TYPE_STRING &&
		       !strcmp(f->str, r->value);
	case WHEN_NONZERO:
		return f && number(f);
	case WHEN_ZERO:
		return f && !number(f);
	case WHEN_LOW:
		/* Falling to the level, or off the charger below it. */
		return lf && !charging && number(lf) <= low &&
		       (!s->battery_known || s->level > low || s->charging);
	case WHEN_PLUGGED:
		return charging && (!s->battery_known || !s->charging);
	case WHEN_UNPLUGGED:
		return cf && !charging && s->battery_known && s->charging;
	}
	return false;
}

/* A screen went: the time shows for a while, unless another is up. */
static void gone(struct mb_screen *s, struct up *u, uint64_t now)
{
	uint64_t awake = now + s->pol->screen_on_s * S_MS;

	u->on = false;
	if (awake > s->awake_until)
		s->awake_until = awake;
}

static void clear(struct mb_screen *s)
{
	for (size_t i = 0; i < MB_SCREEN_COUNT; i++)
		s->up[i].on = false;
	s->awake_until = 0;
}

static void apply(struct mb_screen *s, const struct row *r,
		  const struct mb_event *ev, uint64_t now)
{
	struct up *u = &s->up[r->screen];
	uint64_t hold;

	switch (r->op) {
	case OP_SHOW:
		hold = hold_ms(s, screens[r->screen].hold);
		u->on = true;
		u->until = hold == UINT64_MAX ? UINT64_MAX : now + hold;
		u->n_fields = 0;
		take_fields(u, r, ev);
		u->changed = true;
		break;
	case OP_UPDATE:
		if (u->on && take_fields(u, r, ev))
			u->changed = true;
		break;
	case OP_END:
		if (u->on)
			gone(s, u, now);
		break;
	case OP_LINGER:
		if (u->on)
			u->until = now + hold_ms(s, HOLD_NOTICE);
		break;
	case OP_WAKE:
		s->awake_until = now + s->pol->screen_on_s * S_MS;
		break;
	case OP_CLEAR:
		clear(s);
		break;
	case OP_DARK:
		clear(s);
		s->dark = true;
		break;
	case OP_LIGHT:
		s->dark = false;
		break;
	case OP_BATTERY:
		s->battery_known = true;
		s->level = number(mb_event_field(ev, "level"));
		s->charging = number(mb_event_field(ev, "charging"));
		break;
	}
}

/* What shows now: the highest rank that is up, else the time while it
 * is awake, else nothing.  True if that, or its fields, changed. */
static bool refresh(struct mb_screen *s, uint64_t now)
{
	enum mb_screen_id top = MB_SCREEN_OFF;
	bool changed;

	for (int i = 0; i < MB_SCREEN_COUNT; i++)
		if (s->up[i].on && (top == MB_SCREEN_OFF ||
				    screens[i].rank > screens[top].rank))
			top = (enum mb_screen_id)i;
	if (s->dark)
		top = MB_SCREEN_OFF;
	else if (top == MB_SCREEN_OFF && now < s->awake_until)
		top = MB_SCREEN_TIME;
	changed = top != s->shown || s->up[top].changed;
	for (size_t i = 0; i < MB_SCREEN_COUNT; i++)
		s->up[i].changed = false;
	s->shown = top;
	return changed;
}

bool mb_screen_see(struct mb_screen *screen, const struct mb_event *ev)
{
	uint64_t now = mb_svc_now(screen->svc);
	bool any = false;

	for (size_t i = 0; i < MB_ARRAY_SIZE(rows); i++) {
		if (rows[i].event != ev->id || !matches(screen, &rows[i], ev))
			continue;
		apply(screen, &rows[i], ev, now);
		any = true;
	}
	return any && refresh(screen, now);
}

void mb_screen_announce(const struct mb_screen *screen)
{
	struct mb_event ev;
	size_t n;
	const struct mb_event_field *f = mb_screen_fields(screen, &n);

	mb_event_init(&ev, MB_EVENT_SCREEN_CHANGED);
	mb_event_add_string(&ev, "screen", mb_screen_name(screen->shown));
	for (size_t i = 0; i < n; i++)
		ev.fields[ev.n_fields++] = f[i];
	mb_svc_emit(screen->svc, &ev);
}

enum mb_screen_id mb_screen_shown(const struct mb_screen *screen)
{
	return screen->shown;
}

const struct mb_event_field *mb_screen_fields(const struct mb_screen *screen,
					      size_t *n)
{
	const struct up *u = &screen->up[screen->shown];

	*n = u->on ? u->n_fields : 0;
	return u->fields;
}

uint64_t mb_screen_deadline(const struct mb_screen *screen)
{
	uint64_t d = screen->awake_until ? screen->awake_until : UINT64_MAX;

	for (size_t i = 0; i < MB_SCREEN_COUNT; i++)
		if (screen->up[i].on && screen->up[i].until < d)
			d = screen->up[i].until;
	return d;
}

void mb_screen_run(struct mb_screen *screen, uint64_t at)
{
	for (size_t i = 0; i < MB_SCREEN_COUNT; i++)
		if (screen->up[i].on && screen->up[i].until <= at)
			gone(screen, &screen->up[i], at);
	if (screen->awake_until && screen->awake_until <= at)
		screen->awake_until = 0;
	if (refresh(screen, at))
		mb_screen_announce(screen);
}

MB_TIMER(mb_screen_timer, mb_screen_deadline, mb_screen_run);
