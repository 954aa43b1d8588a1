// The one place this library includes SpanDSP: its C headers trip our C++ warnings.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wcast-align"
#include <tiffio.h>
#include <spandsp.h>
#pragma GCC diagnostic pop
