/*
 * Redis's long double arithmetic for INCRBYFLOAT and HINCRBYFLOAT, and the
 * C library's reading of numbers where Redis relies on it (blocking
 * commands' timeouts, SORT's strtod), kept in C because Rust has no long
 * double and no strtod: the sum must be computed in the same 80-bit x87
 * format and printed by the same libc as Redis 7.0 does, or replies differ
 * (0.1 + 0.2 is "0.3" there, 0.30000000000000004 in f64).
 *
 * parse_ld is Redis 7.0's string2ld (src/util.c) and format_ld_human its
 * ld2string with LD_STR_HUMAN; MAX_LONG_DOUBLE_CHARS is Redis's buffer size.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define MAX_LONG_DOUBLE_CHARS (5 * 1024)

static int parse_ld(const char *s, size_t slen, long double *dp) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    long double value;
    char *eptr;

    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';

    errno = 0;
    value = strtold(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || eptr[0] != '\0' ||
        (size_t)(eptr - buf) != slen ||
        ((errno == ERANGE) &&
         (value == HUGE_VALL || value == -HUGE_VALL || fpclassify(value) == FP_ZERO)) ||
        errno == EINVAL || isnan(value))
        return 0;

    *dp = value;
    return 1;
}

/* Returns the length written, 0 when it does not fit (as Redis, whose
 * caller then stores an empty string). */
static size_t format_ld_human(char *buf, size_t len, long double value) {
    size_t l;
    if (isinf(value)) {
        if (len < 5) return 0;
        if (value > 0) {
            memcpy(buf, "inf", 3);
            l = 3;
        } else {
            memcpy(buf, "-inf", 4);
            l = 4;
        }
    } else {
        int n = snprintf(buf, len, "%.17Lf", value);
        if (n < 0 || (size_t)n + 1 > len) return 0;
        l = (size_t)n;
        if (strchr(buf, '.') != NULL) {
            char *p = buf + l - 1;
            while (*p == '0') {
                p--;
                l--;
            }
            if (*p == '.') l--;
        }
        if (l == 2 && buf[0] == '-' && buf[1] == '0') {
            buf[0] = '0';
            l = 1;
        }
    }
    buf[l] = '\0';
    return l;
}

/*
 * value + incr, both parsed as Redis parses them, formatted into out (whose
 * capacity must be at least MAX_LONG_DOUBLE_CHARS). Returns the length
 * written (0 is Redis's empty result for a sum too long to print), -1 when
 * value is not a valid float, -2 when incr is not, -3 when the sum is NaN or
 * infinite.
 */
long shoal_ld_add_human(const char *value, size_t value_len, const char *incr,
                        size_t incr_len, char *out, size_t out_cap) {
    long double a, b, sum;
    if (!parse_ld(value, value_len, &a)) return -1;
    if (!parse_ld(incr, incr_len, &b)) return -2;
    sum = a + b;
    if (isnan(sum) || isinf(sum)) return -3;
    if (out_cap < MAX_LONG_DOUBLE_CHARS) return 0;
    return (long)format_ld_human(out, MAX_LONG_DOUBLE_CHARS, sum);
}

/*
 * A blocking command's timeout in seconds, as Redis 7.0's
 * getTimeoutFromObjectOrReply reads it: parsed as a long double, times
 * 1000, cast to long long. The cast of a value out of range is what x86-64
 * gives (LLONG_MIN), written out so that it is defined here. Returns 0 when
 * the text is not a valid float, else 1 with the milliseconds in *ms.
 */
int shoal_ld_timeout_ms(const char *s, size_t len, long long *ms) {
    long double value, scaled;
    if (!parse_ld(s, len, &value)) return 0;
    scaled = value * 1000.0;
    if (scaled >= -9223372036854775808.0L && scaled < 9223372036854775808.0L)
        *ms = (long long)scaled;
    else
        *ms = (-9223372036854775807LL - 1);
    return 1;
}

/*
 * A number as SORT reads one (Redis 7.0's sortCommandGeneric): strtod over
 * the whole text, which must be consumed, without overflow, underflow or
 * NaN. Unlike Redis's other readers it takes leading spaces and
 * hexadecimal floats, as strtod does. Returns 1 with the value in *out, or
 * 0.
 */
int shoal_sort_score(const char *s, size_t len, double *out) {
    char small[128];
    char *buf = len < sizeof(small) ? small : malloc(len + 1);
    char *eptr;
    double value;
    int ok;
    if (buf == NULL) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    value = strtod(buf, &eptr);
    ok = eptr[0] == '\0' && (size_t)(eptr - buf) == len && errno != ERANGE && !isnan(value);
    if (buf != small) free(buf);
    if (ok) *out = value;
    return ok;
}
