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

/*
 * A deadline on the loop's clock: fire(t) runs on the control thread, after
 * the events of the turn in which ctl_now_ms() reached due_ms (epoll_wait
 * sleeps until the earliest armed one: no timerfd, no periodic wakeup). It is
 * disarmed before fire() runs; fire() may arm it again. The struct must live
 * until ctl_timer_cancel() or it fired.
 */
struct ctl_timer {
	uint64_t due_ms;
	void (*fire)(struct ctl_timer *t);
	struct ctl_timer *next; /* the loop's armed list */
	uint64_t seq;           /* when it was armed (the loop's count) */
	bool armed;
};

/* Arm t for due_ms (re-arming moves it); ctl_timer_sooner only moves it earlier (or arms it). */
void ctl_timer_arm(struct ctl_timer *t, uint64_t due_ms);
void ctl_timer_sooner(struct ctl_timer *t, uint64_t due_ms);
void ctl_timer_cancel(struct ctl_timer *t);

/*
 * Loop turns and the turns that slept (epoll_wait with a timeout other than
 * zero), since ctl_loop_open: what "a quiet control thread" is measured by.
 */
struct ctl_loop_stats {
	uint64_t turns;
	uint64_t sleeps;
	uint64_t timers_fired;
};
const struct ctl_loop_stats *ctl_loop_stats(void);

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
void ctl_loop_close(void); /* timers still armed are forgotten */

#endif
