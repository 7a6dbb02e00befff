/*
 * Windows Security events → the normalised event, shared by every reader of them: the JSON
 * lines our Windows collector writes (parse_winjson.c) and .evtx files read with libevtx
 * (evtx.c). A reader supplies the event id and a way to look up the event's data fields by
 * name; the id table says which kind each id is and which fields are the user, source and
 * target, so both readers map an event exactly alike.
 */
#include "logs_int.h"

typedef struct win_row {
    int id;
    uint8_t kind, outcome;
    const char *user, *src, *target; /* data field names, NULL = none */
    uint8_t status_decides;          /* Status 0 → success kind, else LOGON_FAILURE */
} win_row;

static const win_row win_ids[] = {
    {4624, MM_EVK_LOGON, MM_OUT_SUCCESS, "TargetUserName", "IpAddress", "LogonType", 0},
    {4625, MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE, "TargetUserName", "IpAddress", "LogonType", 0},
    {4634, MM_EVK_LOGOFF, MM_OUT_SUCCESS, "TargetUserName", NULL, "LogonType", 0},
    {4648, MM_EVK_EXPLICIT_LOGON, MM_OUT_SUCCESS, "SubjectUserName", "IpAddress", "TargetUserName",
     0},
    {4720, MM_EVK_ACCOUNT_CREATED, MM_OUT_SUCCESS, "TargetUserName", NULL, "SubjectUserName", 0},
    {4722, MM_EVK_ACCOUNT_ENABLED, MM_OUT_SUCCESS, "TargetUserName", NULL, "SubjectUserName", 0},
    {4725, MM_EVK_ACCOUNT_DISABLED, MM_OUT_SUCCESS, "TargetUserName", NULL, "SubjectUserName", 0},
    {4726, MM_EVK_ACCOUNT_DELETED, MM_OUT_SUCCESS, "TargetUserName", NULL, "SubjectUserName", 0},
    {4732, MM_EVK_GROUP_MEMBER_ADDED, MM_OUT_SUCCESS, "MemberName", NULL, "TargetUserName", 0},
    {4740, MM_EVK_ACCOUNT_LOCKED, MM_OUT_FAILURE, "TargetUserName", "TargetDomainName", NULL, 0},
    {4768, MM_EVK_KERBEROS_TGT, MM_OUT_SUCCESS, "TargetUserName", "IpAddress", NULL, 1},
    {4771, MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE, "TargetUserName", "IpAddress", NULL, 0},
    {4776, MM_EVK_OTHER, MM_OUT_SUCCESS, "TargetUserName", "Workstation", NULL, 1},
};

static mm_sv put(mm_parse_ctx *c, const char *s)
{
    mm_sv none = {"", 0};
    if (!s || strcmp(s, "-") == 0)
        return none;
    if (strncmp(s, "::ffff:", 7) == 0)
        s += 7;
    return mm_scratch_put(c, s, strlen(s));
}

/* "0x0", "0", "0x00000000" (as libevtx renders a zero HexInt32): 1. Anything else: 0. */
static int status_ok(const char *st)
{
    char *end;
    unsigned long v;
    if (!st || !*st)
        return 1; /* no status: the row's own outcome */
    v = strtoul(st, &end, 0);
    return *end == '\0' && v == 0;
}

/* Remembers that sid names the account name (both as the event gives them). */
static void sid_note(mm_parse_ctx *c, const char *sid, const char *name)
{
    uint64_t h;
    size_t n;
    if (!sid || !name || strncmp(sid, "S-1-", 4) != 0 || !*name || strcmp(name, "-") == 0 ||
        (n = strlen(name)) >= sizeof(c->sids[0].name))
        return;
    h = mm_hash64(sid, strlen(sid), 0x5349445349445349ULL) | 1;
    for (unsigned i = 0; i < MM_PARSE_SIDS; i++)
        if (c->sids[i].sid == h) { /* known: the name may have changed (4781) */
            memcpy(c->sids[i].name, name, n + 1);
            return;
        }
    c->sids[c->sid_next].sid = h;
    memcpy(c->sids[c->sid_next].name, name, n + 1);
    c->sid_next = (c->sid_next + 1) % MM_PARSE_SIDS;
}

/* The account name remembered for sid, or NULL. */
static const char *sid_name(const mm_parse_ctx *c, const char *sid)
{
    uint64_t h;
    if (!sid || strncmp(sid, "S-1-", 4) != 0)
        return NULL;
    h = mm_hash64(sid, strlen(sid), 0x5349445349445349ULL) | 1;
    for (unsigned i = 0; i < MM_PARSE_SIDS; i++)
        if (c->sids[i].sid == h)
            return c->sids[i].name;
    return NULL;
}

void mm_win_map(mm_parse_ctx *c, long id, mm_win_get get, void *ud, mm_event *ev)
{
    const win_row *row = NULL;
    char idbuf[24];

    snprintf(idbuf, sizeof(idbuf), "%ld", id);
    ev->f[MM_EVF_ACTION] = mm_scratch_put(c, idbuf, strlen(idbuf));
    for (size_t i = 0; i < MM_ARRAY_LEN(win_ids); i++)
        if (win_ids[i].id == id) {
            row = &win_ids[i];
            break;
        }
    if (!row) {
        ev->kind = MM_EVK_OTHER;
        return;
    }
    ev->kind = row->kind;
    ev->outcome = row->outcome;
    if (row->status_decides && !status_ok(get(ud, "Status"))) {
        ev->kind = MM_EVK_LOGON_FAILURE;
        ev->outcome = MM_OUT_FAILURE;
    }
    if (row->user) {
        const char *u = get(ud, row->user);
        if (id == 4720 || id == 4624) /* the account and its SID, for a 4732 later */
            sid_note(c, get(ud, id == 4720 ? "TargetSid" : "TargetUserSid"), u);
        if (id == 4732 && (!u || strcmp(u, "-") == 0 || !*u)) { /* a local account: its SID */
            u = get(ud, "MemberSid");
            if (sid_name(c, u))
                u = sid_name(c, u);
        }
        if (u && strncmp(u, "CN=", 3) == 0) { /* a distinguished name: its common name */
            const char *e = u + 3;
            while (*e && *e != ',') {
                if (*e == '\\' && e[1])
                    e++;
                e++;
            }
            ev->f[MM_EVF_USER] = mm_scratch_put(c, u + 3, (size_t)(e - u - 3));
        } else {
            ev->f[MM_EVF_USER] = put(c, u);
        }
    }
    if (row->src)
        ev->f[MM_EVF_SRC] = put(c, get(ud, row->src));
    if (row->target)
        ev->f[MM_EVF_TARGET] = put(c, get(ud, row->target));
}
