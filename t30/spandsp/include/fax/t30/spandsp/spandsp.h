// The one way t30/ includes SpanDSP's C headers (and libtiff's, which SpanDSP's T.4
// API names): they trip our C++ warnings. Only fax_spandsp's own sources and the t30
// sources that still call SpanDSP directly (Class2Session's page codec) include it;
// nothing above t30/ may. A target that includes it links PkgConfig::SPANDSP itself.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <tiffio.h>
#include <spandsp.h>
#pragma GCC diagnostic pop
