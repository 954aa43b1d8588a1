// The one way this library includes SpanDSP. Its headers are C and some of its
// inline helpers use C casts; keep our warning set for our own code only.
// SPANDSP_EXPOSE_INTERNAL_STRUCTURES is defined (before this header) only by the two
// boundary files: spandsp_adapter.cpp (the AT interpreter's state) and spandsp_t38.cpp
// (the T.38 front ends' clocks and the cores' sequence numbers).
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <spandsp.h>
#pragma GCC diagnostic pop
