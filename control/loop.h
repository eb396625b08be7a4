/* The control thread's epoll loop as its services see it: register an fd and a callback. */
#ifndef CTL_LOOP_H
#define CTL_LOOP_H

#include <stdint.h>

/*
 * A file descriptor the control thread watches. ready() runs on the control
 * thread when epoll reports events on fd (EPOLLIN, EPOLLOUT, EPOLLHUP...);
 * it must not block. The struct must live until ctl_unwatch().
 */
struct ctl_watch {
	int fd;
	void (*ready)(struct ctl_watch *w, uint32_t events);
};

/* Start watching w->fd for events (EPOLLIN, ...); change or stop. 0 or -errno. */
int ctl_watch(struct ctl_watch *w, uint32_t events);
int ctl_watch_mod(struct ctl_watch *w, uint32_t events);
void ctl_unwatch(struct ctl_watch *w);

/* Milliseconds of CLOCK_MONOTONIC at the current loop iteration. */
uint64_t ctl_now_ms(void);

#endif
