// Page preparation throughput (docs/benchmarks.md, "Page preparation"): the project's
// read_document() + normalise_page() + write_fax_tiff(T.6) against `gs -sDEVICE=tiffg4`
// (PDF inputs) and `tiffcp -c g4` (TIFF inputs), on the same files, to the same output
// (1728 px wide at 204 x 196 dpi, multi-page TIFF G4). Every tool runs as a child
// process; its CPU time and peak RSS come from wait4().
//
// Inputs, made from the ITU-T T.24 charts (each document holds charts 1..8, `copies` times):
//   charts.pdf        the charts as 1-bit image masks, page 1728 x 2376 px at 204 x 196 dpi (a scan;
//                     read directly from the PDF's objects, pdf_image_page.h)
//   charts-t6.pdf     the same pages with the masks coded CCITT T.6 (CCITTFaxDecode, K -1), as
//                     scanners write them
//   (process start)   no document: `faxbench --help` and `gs -c quit`, what starting each costs
//   text.pdf          US Letter pages of 10 pt text in DejaVu Sans (a printed record)
//   charts-<c>.tif    the charts as bilevel TIFF at 204 x 196 dpi, compression c:
//                     none, packbits, lzw (64-row strips), g3 (T.4 1-D), g4 (T.6)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "child_run.h"
#include "fax/base/result.h"

namespace fax::faxbench {

enum class PrepKind {
    ScanPdf,      // charts.pdf: the target's scanned PDF (Flate image masks, as cairo writes them)
    ScanPdfT6,    // charts-t6.pdf: the same pages as CCITT T.6 image masks (as scanners write them)
    TextPdf,      // text.pdf
    Tiff,         // charts-<c>.tif
    ProcessStart, // no document: each tool started and ended (its fixed cost)
};

struct PrepInput {
    std::string name;   // "charts.pdf"
    std::string path;
    bool pdf = false;
    PrepKind kind = PrepKind::Tiff;
    int pages = 0;
    int out_height = 0;  // rows of a 1728-wide output page (the reference tool's -g for PDFs)
};

struct PrepToolRun {
    std::string tool;   // "faxstack", "gs", "tiffcp"
    bool ok = false;
    std::string failure;
    ChildCost best;     // the run with the least CPU time
    long max_rss_kib = 0;  // the largest of all runs
    int out_pages = 0;
    int out_width = 0;
    int out_height = 0;
    double pages_per_cpu_s(int pages) const { return best.cpu_s > 0 ? pages / best.cpu_s : 0; }
    double pages_per_wall_s(int pages) const { return best.wall_s > 0 ? pages / best.wall_s : 0; }
};

struct PrepRow {
    PrepInput input;
    PrepToolRun ours;
    PrepToolRun reference;
    double ratio() const;  // ours / reference, pages per CPU second
};

struct PrepBenchOptions {
    std::string itu_dir;
    std::filesystem::path work_dir;
    int copies = 2;   // each document: charts 1..8, this many times
    int runs = 3;     // per tool and input; the fastest counts
    std::filesystem::path keep_inputs;  // if set, the generated inputs are copied here
};

struct PrepTargets {
    // Issue #16: the scanned PDF (charts.pdf, read directly with qpdf) at least 3x gs's pages
    // per CPU second; the text PDF (rasterised by poppler) no slower than before, 0.75x gs's
    // (docs/benchmarks.md, 2026-12-01).
    double scanned_vs_ghostscript = 3.0;
    double text_vs_ghostscript = 0.75;
};

Result<std::vector<PrepRow>> run_prep_bench(const PrepBenchOptions& options);

// The child side of the measurement: read `in`, normalise every page, write `out` as a
// multi-page T.6 fax TIFF. Exit status 0 on success.
int prep_one(const std::string& in, const std::string& out);

std::string format_prep_table(const std::vector<PrepRow>& rows, const PrepTargets& t);
std::string prep_json(const std::vector<PrepRow>& rows, const PrepTargets& t);

}  // namespace fax::faxbench
