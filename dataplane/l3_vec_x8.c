/* The l3 fast paths over groups of eight, built with -mavx2 (l3_vec_body.h); called only where
 * dp_l3_vec_best() found AVX2. */
#include "l3_vec.h"

#define VEC_W 8
#define VEC(name) name##_x8
#include "l3_vec_body.h"
