/* A small in-memory key-value store, the guest workload of corpora/vm/capture.sh.
 * It fills records (pointers, integers, doubles, random tokens, JSON-like text) and then updates a hot
 * subset at a fixed rate driven by the guest's clock, so the dirty rate does not depend on how fast the
 * emulator runs. It prints "STEADY" once the fill is done, then PROGRESS lines (below). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct record {
    struct record *next;        /* hash chain */
    unsigned long id;
    double score;
    unsigned int visits, flags;
    char token[24];
    char *text;                 /* malloc'ed, 120..420 bytes */
};

static unsigned long long rng = 88172645463325252ULL;
static unsigned long long next_rand(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static const char *words[] = { "alpha", "cart", "session", "user", "item", "price", "status", "open", "closed",
    "pending", "shipped", "mozilla", "linux", "x86_64", "checkout", "coupon", "EUR", "USD", "region", "eu-west" };

static void fill_text(struct record *r)
{
    size_t cap = 120 + next_rand() % 300, n = 0;
    r->text = realloc(r->text, cap + 1);
    n += snprintf(r->text + n, cap - n, "{\"id\":%lu,\"user\":\"%s\",\"score\":%.3f,\"tags\":[", r->id, r->token, r->score);
    while (n + 24 < cap) {
        n += snprintf(r->text + n, cap - n, "\"%s\",", words[next_rand() % 20]);
    }
    snprintf(r->text + n, cap - n + 1, "]}");
}

int main(int argc, char **argv)
{
    unsigned long count = argc > 1 ? strtoul(argv[1], 0, 10) : 60000;
    unsigned long hot = argc > 2 ? strtoul(argv[2], 0, 10) : 3000;
    unsigned long per_second = argc > 3 ? strtoul(argv[3], 0, 10) : 400;
    unsigned long buckets = count / 2 + 1;
    struct record **table = calloc(buckets, sizeof *table);
    struct record **all = malloc(count * sizeof *all);
    for (unsigned long i = 0; i < count; i++) {
        struct record *r = calloc(1, sizeof *r);
        r->id = next_rand() % 100000000;
        r->score = (double)(next_rand() % 100000) / 7.0;
        r->visits = next_rand() % 1000;
        for (int c = 0; c < 20; c++) r->token[c] = "abcdefghijklmnopqrstuvwxyz0123456789"[next_rand() % 36];
        fill_text(r);
        r->next = table[r->id % buckets];
        table[r->id % buckets] = r;
        all[i] = r;
    }
    printf("STEADY kv records=%lu hot=%lu rate=%lu/s\n", count, hot, per_second);
    fflush(stdout);
    /* Updates follow a schedule on the guest's monotonic clock: at every 10 ms tick the store does what
     * is due by then, so a guest slowed by the migration falls behind its schedule (and catches up after)
     * instead of quietly lowering the dirty rate. Every 250 ms one PROGRESS line on the console says how
     * many updates are done and how many were due: `mecom qemu-migrate` reads the guest's slowdown there. */
    struct timespec tick = { 0, 10 * 1000 * 1000 }, start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned long done = 0, next_report = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        unsigned long ms = (unsigned long)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        unsigned long due = ms * per_second / 1000;
        while (done < due) {
            struct record *r = all[next_rand() % hot];
            r->visits++;
            r->score += 0.5;
            if (next_rand() % 4 == 0) fill_text(r);
            done++;
        }
        if (ms >= next_report) {
            printf("PROGRESS ms=%lu done=%lu due=%lu\n", ms, done, due);
            fflush(stdout);
            next_report = ms + 250;
        }
        nanosleep(&tick, 0);
    }
}
