/* Pins: files a GET is streaming from.  A write or delete that replaces the
 * object commits as usual, but the unlink of a pinned file waits until its
 * last reader lets go (commit.c invariant 4 still holds: the unlink only
 * comes later).  A crash in between leaves an orphan that start-up recovery
 * removes. */
#include "store/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct pin {
    char *file;
    unsigned count;
    bool doomed; /* its object is gone: unlink when count drops to 0 */
    struct pin *next;
} pin;

static size_t slot(const char *file) { return lb_crc32c(0, file, strlen(file)) % LB_PIN_SLOTS; }

static pin **find(lb_store *s, const char *file)
{
    pin **pp = &s->pins[slot(file)];
    while (*pp && strcmp((*pp)->file, file) != 0)
        pp = &(*pp)->next;
    return pp;
}

void lb_store_pin(lb_store *s, const lb_object *o)
{
    pthread_mutex_lock(&s->pin_mu);
    for (size_t i = 0; i < o->nparts; i++) {
        pin **pp = find(s, o->parts[i].file);
        if (!*pp) {
            *pp = lb_xcalloc(1, sizeof **pp);
            (*pp)->file = lb_xstrdup(o->parts[i].file);
        }
        (*pp)->count++;
    }
    pthread_mutex_unlock(&s->pin_mu);
}

void lb_store_unpin(lb_store *s, const lb_object *o)
{
    char **doomed = NULL;
    size_t n = 0;
    pthread_mutex_lock(&s->pin_mu);
    for (size_t i = 0; i < o->nparts; i++) {
        pin **pp = find(s, o->parts[i].file);
        pin *p = *pp;
        if (!p || --p->count)
            continue;
        *pp = p->next;
        if (p->doomed) {
            doomed = lb_xrealloc(doomed, (n + 1) * sizeof *doomed);
            doomed[n++] = p->file;
        } else {
            free(p->file);
        }
        free(p);
    }
    pthread_mutex_unlock(&s->pin_mu);
    lb_store_unlink_files(s, doomed, n);
    for (size_t i = 0; i < n; i++)
        free(doomed[i]);
    free(doomed);
}

bool lb_store_pin_defer(lb_store *s, const char *file)
{
    pthread_mutex_lock(&s->pin_mu);
    pin **pp = find(s, file);
    bool pinned = *pp != NULL;
    if (pinned)
        (*pp)->doomed = true;
    pthread_mutex_unlock(&s->pin_mu);
    return pinned;
}

int lb_store_pin_check(lb_store *s, const lb_object *o)
{
    lb_buf p = {0};
    int rc = 0;
    for (size_t i = 0; i < o->nparts && rc == 0; i++) {
        struct stat st;
        lb_zone_path(s, o->parts[i].file, &p);
        if (stat(p.data, &st) != 0)
            rc = -errno;
    }
    lb_buf_free(&p);
    return rc;
}

void lb_store_pins_free(lb_store *s)
{
    for (int i = 0; i < LB_PIN_SLOTS; i++) {
        for (pin *p = s->pins[i], *next; p; p = next) {
            next = p->next;
            free(p->file);
            free(p);
        }
        s->pins[i] = NULL;
    }
    pthread_mutex_destroy(&s->pin_mu);
}
