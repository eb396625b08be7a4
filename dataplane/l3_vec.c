/* The l3 fast paths over groups of packets: which width runs, and the x4 (SSE4.2) copy
 * (l3_vec_body.h; l3_vec_x8.c is the AVX2 copy). */
#include <string.h>

#include <rte_cpuflags.h>
#include <rte_vect.h>

#include "l3_fast.h"
#include "l3_vec.h"

unsigned dp_l3_vec_width = 1;

unsigned
dp_l3_vec_best(void)
{
#ifdef RTE_ARCH_X86
	uint16_t bits = rte_vect_get_max_simd_bitwidth();

	if (bits >= RTE_VECT_SIMD_256 && rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0)
		return 8;
	if (bits >= RTE_VECT_SIMD_128)
		return 4;
#endif
	return 1;
}

const char *
dp_l3_vec_name(unsigned width)
{
	return width == 8 ? "avx2 x8" : width == 4 ? "sse4.2 x4" : "scalar";
}

#ifdef RTE_ARCH_X86
#define VEC_W 4
#define VEC(name) name##_x4
#include "l3_vec_body.h"
#endif

int
dp_l3_vec_parse(const char *s, unsigned *width)
{
	static const struct {
		const char *name;
		unsigned width;
	} names[] = {{"auto", 0}, {"x8", 8}, {"x4", 4}, {"scalar", 1}};

	for (unsigned i = 0; i < RTE_DIM(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			*width = names[i].width;
			return 0;
		}
	return -1;
}
