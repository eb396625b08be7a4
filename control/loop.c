/* The control thread's epoll loop: watched fds with their callbacks, and the clock of the current iteration. */
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

static int loop_epoll = -1;
static uint64_t loop_now_ms;

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

void
ctl_unwatch(struct ctl_watch *w)
{
	epoll_ctl(loop_epoll, EPOLL_CTL_DEL, w->fd, NULL);
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
	int n = epoll_wait(loop_epoll, evs, 16, -1);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	loop_now_ms = clock_ms();
	for (int i = 0; i < n; i++) {
		struct ctl_watch *w = evs[i].data.ptr;

		w->ready(w, evs[i].events);
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
