/* The control thread's epoll loop: services register an fd and a callback, ctl_run() drives it (control/loop.c). */
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

/*
 * For the thread that runs the loop (ctl_run). ctl_loop_open creates the
 * epoll instance and reads the clock: 0 or -errno. ctl_loop_wait sleeps
 * until events, reads the clock and calls each ready watch: 0, or -errno
 * when epoll_wait failed (EINTR is 0, with no watch called).
 * ctl_loop_close closes the epoll instance (watches still in it go with it).
 */
int ctl_loop_open(void);
int ctl_loop_wait(void);
void ctl_loop_close(void);

#endif
