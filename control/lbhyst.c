/* The load balancer health checker's pure parts: rise/fall hysteresis and the HTTP status line. */
#include <string.h>

#include "lbhyst.h"

bool
ctl_lbh_count(struct ctl_lbh_hyst *h, bool ok, unsigned rise, unsigned fall)
{
	if (ok) {
		h->bad = 0;
		if (h->ok < UINT8_MAX)
			h->ok++;
		if (h->state != DP_LB_HEALTH_UP && h->ok >= rise) {
			h->state = DP_LB_HEALTH_UP;
			return true;
		}
		return false;
	}
	h->ok = 0;
	if (h->bad < UINT8_MAX)
		h->bad++;
	if (h->state != DP_LB_HEALTH_DOWN && h->bad >= fall) {
		h->state = DP_LB_HEALTH_DOWN;
		return true;
	}
	return false;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
ctl_lbh_http_status(const char *buf, size_t len, unsigned *code)
{
	/* "HTTP/1.1 200 ..." : the 12 bytes up to the status code decide */
	static const char prefix[] = "HTTP/";
	const size_t need = 12;
	size_t i;

	*code = 0;
	for (i = 0; i < len && i < need; i++) {
		char c = buf[i];
		bool fits = i < 5              ? c == prefix[i]
			    : i == 5 || i == 7 ? is_digit(c)
			    : i == 6           ? c == '.'
			    : i == 8           ? c == ' '
					       : is_digit(c);

		if (!fits)
			return 0;
	}
	if (i < need)
		return -1;
	*code = (unsigned)(buf[9] - '0') * 100 + (unsigned)(buf[10] - '0') * 10 + (unsigned)(buf[11] - '0');
	return *code >= 200 && *code < 400;
}
