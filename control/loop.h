/* The control thread's epoll loop: services register an fd and a callback, ctl_run() drives it (control/loop.c). */
#ifndef CTL_LOOP_H
#define CTL_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A file descriptor the control thread watches. ready() runs on the control
 * thread when epoll reports events on fd (EPOLLIN, EPOLLOUT, EPOLLHUP...);
 * it must not block. The struct must live until ctl_unwatch().
 */
struct ctl_watch {
	int fd;
	void (*ready)(struct ctl_watch *w, uint32_t events);
	struct ctl_watch *again_next; /* ctl_watch_again()'s list (the loop's own) */
	bool again;
};

/* Start watching w->fd for events (EPOLLIN, ...); change or stop. 0 or -errno. */
int ctl_watch(struct ctl_watch *w, uint32_t events);
int ctl_watch_mod(struct ctl_watch *w, uint32_t events);
void ctl_unwatch(struct ctl_watch *w);

/*
 * Call w->ready(w, 0) once more on the next loop turn, after that turn's
 * events, without waiting for one: for a service that stopped with work
 * left so that the others get their turn (a client's pipelined requests).
 * Once per turn however often it is asked; ctl_unwatch() cancels it.
 */
void ctl_watch_again(struct ctl_watch *w);

/* Milliseconds of CLOCK_MONOTONIC at the current loop iteration. */
uint64_t ctl_now_ms(void);

/*
 * For the thread that runs the loop (ctl_run). ctl_loop_open creates the
 * epoll instance and reads the clock: 0 or -errno. ctl_loop_wait sleeps
 * until events (not at all while a watch asked to run again), reads the
 * clock and calls each ready watch, then those that asked: 0, or -errno
 * when epoll_wait failed (EINTR is 0, with no watch called).
 * ctl_loop_close closes the epoll instance (watches still in it go with it).
 */
int ctl_loop_open(void);
int ctl_loop_wait(void);
void ctl_loop_close(void);

#endif
