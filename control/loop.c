/* The control thread's epoll loop: watched fds with their callbacks, and the clock of the current iteration. */
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

static int loop_epoll = -1;
static uint64_t loop_now_ms;
/* ctl_watch_again(): asked during this turn (next), being run (run) */
static struct ctl_watch *again_next, *again_run;

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
	int n = epoll_wait(loop_epoll, evs, 16, again_next != NULL ? 0 : -1);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
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
	return 0;
}

void
ctl_loop_close(void)
{
	if (loop_epoll >= 0)
		close(loop_epoll);
	loop_epoll = -1;
}
