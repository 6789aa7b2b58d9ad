/* watchdog.c -- see watchdog.h. Each slot has one writer (its child) and
 * one reader (the supervisor): a sequence counter, odd while the child
 * writes, lets the reader take a consistent copy without a lock the child
 * could die holding. */
#include "config.h"

#include "base/watchdog.h"

#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "base/error.h"

struct board_slot {
    uint32_t seq;
    uint64_t started_ns;     /* CLOCK_MONOTONIC (system-wide); 0: idle */
    char request_id[40];
    char tenant[64];
    char ticket_id[64];
    char event_id[96];
};

static struct board_slot *board;
static size_t nslots;
static struct board_slot *mine; /* this process's slot, or NULL */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int mamori_watchdog_init(size_t slots)
{
    void *p;

    if (board != NULL)
        return MAMORI_OK;
    if (slots == 0)
        return MAMORI_EINVAL;
    p = mmap(NULL, slots * sizeof *board, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return MAMORI_ENOMEM;
    memset(p, 0, slots * sizeof *board);
    board = p;
    nslots = slots;
    return MAMORI_OK;
}

size_t mamori_watchdog_slots(void)
{
    return board != NULL ? nslots : 0;
}

static struct board_slot *at(int slot)
{
    return board != NULL && slot >= 0 && (size_t)slot < nslots ? &board[slot] : NULL;
}

static void write_open(struct board_slot *b)
{
    __atomic_add_fetch(&b->seq, 1, __ATOMIC_ACQ_REL);
}

static void write_close(struct board_slot *b)
{
    __atomic_add_fetch(&b->seq, 1, __ATOMIC_RELEASE);
}

static void copy_field(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);

    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void mamori_watchdog_clear(int slot)
{
    struct board_slot *b = at(slot);

    /* No child owns the slot now, so no writer races this; a child killed
     * while writing left seq odd, and it starts even again. */
    if (b == NULL)
        return;
    memset(b, 0, sizeof *b);
    __atomic_store_n(&b->seq, 0, __ATOMIC_RELEASE);
}

void mamori_watchdog_attach(int slot)
{
    mine = at(slot);
}

void mamori_watchdog_begin(void)
{
    if (mine == NULL)
        return;
    write_open(mine);
    mine->request_id[0] = mine->tenant[0] = mine->ticket_id[0] = mine->event_id[0] = '\0';
    mine->started_ns = now_ns();
    write_close(mine);
}

void mamori_watchdog_end(void)
{
    if (mine == NULL)
        return;
    write_open(mine);
    mine->started_ns = 0;
    write_close(mine);
}

void mamori_watchdog_set_request(const char *request_id, const char *tenant)
{
    if (mine == NULL)
        return;
    write_open(mine);
    if (request_id != NULL)
        copy_field(mine->request_id, sizeof mine->request_id, request_id);
    if (tenant != NULL)
        copy_field(mine->tenant, sizeof mine->tenant, tenant);
    write_close(mine);
}

void mamori_watchdog_set_ticket(const char *ticket_id, const char *event_id)
{
    if (mine == NULL)
        return;
    write_open(mine);
    if (ticket_id != NULL)
        copy_field(mine->ticket_id, sizeof mine->ticket_id, ticket_id);
    if (event_id != NULL)
        copy_field(mine->event_id, sizeof mine->event_id, event_id);
    write_close(mine);
}

int mamori_watchdog_peek(int slot, struct mamori_watchdog_entry *out)
{
    struct board_slot *b = at(slot), copy;

    if (b == NULL)
        return 0;
    /* A child writes a few dozen bytes between the two increments; a few
     * tries are plenty, and a miss is retried on the next tick. A child
     * killed mid-write leaves seq odd, but its slot is cleared before the
     * next child takes it. */
    for (int tries = 0; tries < 8; tries++) {
        uint32_t s1 = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE), s2;
        if (s1 & 1u)
            continue;
        memcpy(&copy, b, sizeof copy);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s2 = __atomic_load_n(&b->seq, __ATOMIC_RELAXED);
        if (s1 != s2)
            continue;
        if (copy.started_ns == 0)
            return 0;
        memset(out, 0, sizeof *out);
        out->seconds = (double)(now_ns() - copy.started_ns) / 1e9;
        copy.request_id[sizeof copy.request_id - 1] = '\0';
        copy.tenant[sizeof copy.tenant - 1] = '\0';
        copy.ticket_id[sizeof copy.ticket_id - 1] = '\0';
        copy.event_id[sizeof copy.event_id - 1] = '\0';
        copy_field(out->request_id, sizeof out->request_id, copy.request_id);
        copy_field(out->tenant, sizeof out->tenant, copy.tenant);
        copy_field(out->ticket_id, sizeof out->ticket_id, copy.ticket_id);
        copy_field(out->event_id, sizeof out->event_id, copy.event_id);
        return 1;
    }
    return 0;
}
