/* The control thread's epoll loop: watched fds with their callbacks, and the clock of the current iteration. */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

static int loop_epoll = -1;
static uint64_t loop_now_ms;
/* ctl_watch_again(): asked during this turn (next), being run (run) */
static struct ctl_watch *again_next, *again_run;
static struct ctl_timer *timers; /* armed, in no order (a handful) */
static struct ctl_loop_stats loop_stats;
static uint64_t arm_seq; /* timers armed so far */

static uint64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
ctl_watch(struct ctl_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	return epoll_ctl(loop_epoll, EPOLL_CTL_ADD, w->fd, &ev) < 0 ? -errno : 0;
}

int
ctl_watch_mod(struct ctl_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	return epoll_ctl(loop_epoll, EPOLL_CTL_MOD, w->fd, &ev) < 0 ? -errno : 0;
}

static void
again_remove(struct ctl_watch **head, struct ctl_watch *w)
{
	for (struct ctl_watch **pp = head; *pp != NULL; pp = &(*pp)->again_next)
		if (*pp == w) {
			*pp = w->again_next;
			return;
		}
}

void
ctl_unwatch(struct ctl_watch *w)
{
	epoll_ctl(loop_epoll, EPOLL_CTL_DEL, w->fd, NULL);
	if (w->again) {
		again_remove(&again_next, w);
		again_remove(&again_run, w);
		w->again = false;
	}
}

void
ctl_watch_again(struct ctl_watch *w)
{
	if (w->again)
		return;
	w->again = true;
	w->again_next = again_next;
	again_next = w;
}

void
ctl_timer_cancel(struct ctl_timer *t)
{
	if (!t->armed)
		return;
	for (struct ctl_timer **pp = &timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->armed = false;
}

void
ctl_timer_arm(struct ctl_timer *t, uint64_t due_ms)
{
	if (!t->armed) {
		t->next = timers;
		timers = t;
		t->armed = true;
	}
	t->due_ms = due_ms;
	t->seq = ++arm_seq;
}

void
ctl_timer_sooner(struct ctl_timer *t, uint64_t due_ms)
{
	if (!t->armed || due_ms < t->due_ms)
		ctl_timer_arm(t, due_ms);
}

const struct ctl_loop_stats *
ctl_loop_stats(void)
{
	return &loop_stats;
}

/* epoll_wait's timeout: 0 while a watch asked again, until the earliest timer, or forever (-1). */
static int
wait_ms(void)
{
	uint64_t first = UINT64_MAX;

	if (again_next != NULL)
		return 0;
	for (const struct ctl_timer *t = timers; t != NULL; t = t->next)
		if (t->due_ms < first)
			first = t->due_ms;
	if (first == UINT64_MAX)
		return -1;
	/* the clock may have moved since the turn began: read it again */
	uint64_t now = clock_ms();
	return first <= now ? 0 : first - now > INT32_MAX ? INT32_MAX : (int)(first - now);
}

/* Fire the timers that are due; one armed (again) by a fire() waits for the next turn. */
static void
fire_due(void)
{
	uint64_t before = arm_seq;
	bool again = true;

	while (again) {
		again = false;
		for (struct ctl_timer *t = timers; t != NULL; t = t->next)
			if (t->due_ms <= loop_now_ms && t->seq <= before) {
				ctl_timer_cancel(t);
				loop_stats.timers_fired++;
				t->fire(t);
				again = true; /* the list changed under us: walk it again */
				break;
			}
	}
}

uint64_t
ctl_now_ms(void)
{
	return loop_now_ms;
}

int
ctl_loop_open(void)
{
	loop_now_ms = clock_ms();
	loop_epoll = epoll_create1(EPOLL_CLOEXEC);
	return loop_epoll < 0 ? -errno : 0;
}

int
ctl_loop_wait(void)
{
	struct epoll_event evs[16];
	int timeout = wait_ms();
	int n = epoll_wait(loop_epoll, evs, 16, timeout);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	loop_stats.turns++;
	if (timeout != 0)
		loop_stats.sleeps++;
	loop_now_ms = clock_ms();
	/* those that asked before this turn run after its events (a ready() may remove one) */
	again_run = again_next;
	again_next = NULL;
	for (int i = 0; i < n; i++) {
		struct ctl_watch *w = evs[i].data.ptr;

		w->ready(w, evs[i].events);
	}
	while (again_run != NULL) {
		struct ctl_watch *w = again_run;

		again_run = w->again_next;
		w->again = false;
		w->ready(w, 0);
	}
	fire_due();
	return 0;
}

void
ctl_loop_close(void)
{
	if (loop_epoll >= 0)
		close(loop_epoll);
	loop_epoll = -1;
	timers = NULL;
}
