/* libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 turns Python's absolute
   monotonic clock_nanosleep into EINVAL; monotonic time is real here, so sleep for real. */
#define _GNU_SOURCE
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <errno.h>
int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
    long r = syscall(SYS_clock_nanosleep, clk, flags, req, rem);
    return r == 0 ? 0 : errno;
}
int nanosleep(const struct timespec *req, struct timespec *rem) {
    return (int)syscall(SYS_nanosleep, req, rem);
}
