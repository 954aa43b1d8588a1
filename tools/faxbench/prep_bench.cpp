#include "prep_bench.h"

#include <tiffio.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "bench_pdf.h"
#include "fax/t30/document_reader.h"
#include "fax/t30/page_prep.h"
#include "fax/t30/t6_encoder.h"
#include "itu_charts.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxbench {
namespace {

constexpr const char* kGs = "/usr/bin/gs";
constexpr const char* kTiffcp = "/usr/bin/tiffcp";

struct TiffClose {
    void operator()(TIFF* t) const { TIFFClose(t); }
};

// The same pages as charts.pdf, each chart a 1-bit image mask coded T.6 (CCITTFaxDecode,
// K -1, BlackIs1 false: the black pixels are the 0 samples, painted by /Decode [0 1]), as a
// scanner writes a page. Written object by object (cairo does not write CCITT data).
Status write_charts_t6_pdf(const std::vector<t30::Bitmap>& pages, const std::string& path) {
    std::string out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    std::vector<std::size_t> offsets;
    auto object = [&](const std::string& body) {
        offsets.push_back(out.size());
        out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
    };
    const int n = static_cast<int>(pages.size());
    // 1: catalog, 2: pages, then per page: page, image, content.
    object("<< /Type /Catalog /Pages 2 0 R >>");
    std::string kids;
    for (int i = 0; i < n; ++i) kids += std::to_string(3 + 3 * i) + " 0 R ";
    object("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(n) + " >>");
    for (int i = 0; i < n; ++i) {
        const t30::Bitmap& p = pages[static_cast<std::size_t>(i)];
        char w_pt[32], h_pt[32];
        std::snprintf(w_pt, sizeof w_pt, "%.6f", p.width * 72.0 / 204.0);
        std::snprintf(h_pt, sizeof h_pt, "%.6f", p.height * 72.0 / 196.0);
        const std::string image = std::to_string(4 + 3 * i) + " 0 R", content = std::to_string(5 + 3 * i) + " 0 R";
        object(std::string("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ") + w_pt + " " + h_pt +
               "] /Resources << /XObject << /Im0 " + image + " >> >> /Contents " + content + " >>");
        const std::vector<uint8_t> t6 = t30::encode_t6(p, t30::BitOrder::MsbFirst);
        if (t6.empty()) return fail(Errc::Internal, path + ": cannot code page " + std::to_string(i + 1));
        object("<< /Type /XObject /Subtype /Image /ImageMask true /Width " + std::to_string(p.width) + " /Height " +
               std::to_string(p.height) + " /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns " +
               std::to_string(p.width) + " /Rows " + std::to_string(p.height) + " >> /Length " +
               std::to_string(t6.size()) + " >>\nstream\n" + std::string(t6.begin(), t6.end()) + "\nendstream");
        // The image's first row at the top of the page (image space is upright).
        const std::string draw = std::string("q ") + w_pt + " 0 0 " + h_pt + " 0 0 cm /Im0 Do Q";
        object("<< /Length " + std::to_string(draw.size()) + " >>\nstream\n" + draw + "\nendstream");
    }
    const std::size_t xref = out.size();
    out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
    for (std::size_t off : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
        out += line;
    }
    out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!f || std::fwrite(out.data(), 1, out.size(), f.get()) != out.size())
        return fail(Errc::Io, path + ": cannot write");
    if (std::fclose(f.release()) != 0) return fail(Errc::Io, path + ": cannot write");
    return {};
}

// Bilevel pages in a TIFF compression write_fax_tiff does not offer, 64-row strips.
Status write_tiff(const std::vector<t30::Bitmap>& pages, const std::string& path, uint16_t compression) {
    t30::install_tiff_handlers();
    std::unique_ptr<TIFF, TiffClose> t(TIFFOpen(path.c_str(), "w"));
    if (!t) return fail(Errc::Io, path + ": cannot create");
    const auto n = static_cast<uint16_t>(pages.size());
    for (uint16_t i = 0; i < n; ++i) {
        const auto& p = pages[i];
        TIFFSetField(t.get(), TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
        TIFFSetField(t.get(), TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(p.width));
        TIFFSetField(t.get(), TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(p.height));
        TIFFSetField(t.get(), TIFFTAG_BITSPERSAMPLE, 1);
        TIFFSetField(t.get(), TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(t.get(), TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
        TIFFSetField(t.get(), TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(t.get(), TIFFTAG_COMPRESSION, compression);
        TIFFSetField(t.get(), TIFFTAG_ROWSPERSTRIP, 64);
        TIFFSetField(t.get(), TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
        TIFFSetField(t.get(), TIFFTAG_XRESOLUTION, static_cast<float>(p.xres_dpi));
        TIFFSetField(t.get(), TIFFTAG_YRESOLUTION, static_cast<float>(p.yres_dpi));
        TIFFSetField(t.get(), TIFFTAG_PAGENUMBER, i, n);
        std::vector<uint8_t> row(p.stride());
        for (int y = 0; y < p.height; ++y) {
            std::copy(p.row(y), p.row(y) + p.stride(), row.begin());
            if (TIFFWriteScanline(t.get(), row.data(), static_cast<uint32_t>(y), 0) < 0)
                return fail(Errc::Io, path + ": cannot write page " + std::to_string(i + 1));
        }
        if (!TIFFWriteDirectory(t.get())) return fail(Errc::Io, path + ": cannot write page " + std::to_string(i + 1));
    }
    return {};
}

Result<std::vector<PrepInput>> make_inputs(const PrepBenchOptions& o) {
    std::vector<t30::Bitmap> charts;
    for (int k = 0; k < o.copies; ++k)
        for (int c = 1; c <= 8; ++c) {
            auto page = read_chart(o.itu_dir, c);
            if (!page) return fail(page.take_error());
            charts.push_back(std::move(*page));
        }
    const int n = static_cast<int>(charts.size());
    const int chart_rows = charts.front().height;
    auto at = [&](const std::string& name) { return (o.work_dir / name).string(); };
    std::vector<PrepInput> in;
    in.push_back({"charts.pdf (1-bit images)", at("charts.pdf"), true, PrepKind::ScanPdf, n, chart_rows});
    FAX_TRY(write_scanned_pdf(charts, in.back().path));
    in.push_back({"charts-t6.pdf (T.6 images)", at("charts-t6.pdf"), true, PrepKind::ScanPdfT6, n, chart_rows});
    FAX_TRY(write_charts_t6_pdf(charts, in.back().path));
    // Letter is 8.5 in wide: fitted to 1728 px the page is rendered at 1728/8.5 dpi across
    // and 196 * 1728/(8.5 * 204) lpi down (document_reader.h): 2148 rows.
    in.push_back({"text.pdf (vector text)", at("text.pdf"), true, PrepKind::TextPdf, n,
                  static_cast<int>(11.0 * 196.0 * 1728.0 / (8.5 * 204.0) + 0.5)});
    FAX_TRY(write_text_record_pdf(n, in.back().path));
    const std::pair<const char*, uint16_t> plain[] = {
        {"none", COMPRESSION_NONE}, {"packbits", COMPRESSION_PACKBITS}, {"lzw", COMPRESSION_LZW}};
    for (const auto& [name, c] : plain) {
        in.push_back({std::string("charts-") + name + ".tif", at(std::string("charts-") + name + ".tif"), false,
                      PrepKind::Tiff, n, chart_rows});
        FAX_TRY(write_tiff(charts, in.back().path, c));
    }
    in.push_back({"charts-g3.tif", at("charts-g3.tif"), false, PrepKind::Tiff, n, chart_rows});
    FAX_TRY(t30::write_fax_tiff(in.back().path, charts, t30::TiffCompression::T4_1D));
    in.push_back({"charts-g4.tif", at("charts-g4.tif"), false, PrepKind::Tiff, n, chart_rows});
    FAX_TRY(t30::write_fax_tiff(in.back().path, charts, t30::TiffCompression::T6));
    in.push_back({"(process start)", "", false, PrepKind::ProcessStart, 0, 0});
    return in;
}

PrepToolRun run_tool(const std::string& tool, const std::vector<std::string>& argv, const std::string& out,
                     const PrepInput& in, int runs, const std::string& log) {
    PrepToolRun r;
    r.tool = tool;
    for (int i = 0; i < runs; ++i) {
        std::error_code ec;
        std::filesystem::remove(out, ec);
        auto c = run_child(argv, log);
        if (!c) {
            r.failure = c.error().to_string();
            return r;
        }
        if (c->exit_status != 0) {
            r.failure = tool + " exited with status " + std::to_string(c->exit_status) + " (see " + log + ")";
            return r;
        }
        if (i == 0 || c->cpu_s < r.best.cpu_s) r.best = *c;
        r.max_rss_kib = std::max(r.max_rss_kib, c->max_rss_kib);
    }
    if (in.kind == PrepKind::ProcessStart) {  // nothing written
        r.ok = true;
        return r;
    }
    auto pages = t30::read_tiff(out);
    if (!pages) {
        r.failure = "output not readable: " + pages.error().to_string();
        return r;
    }
    r.out_pages = static_cast<int>(pages->size());
    r.out_width = pages->front().width;
    r.out_height = pages->front().height;
    if (r.out_pages != in.pages) r.failure = std::to_string(r.out_pages) + " pages out";
    else if (r.out_width != t30::kFaxWidth) r.failure = std::to_string(r.out_width) + " px wide";
    r.ok = r.failure.empty();
    return r;
}

}  // namespace

double PrepRow::ratio() const {
    const double ref = reference.pages_per_cpu_s(input.pages);
    return ours.ok && reference.ok && ref > 0 ? ours.pages_per_cpu_s(input.pages) / ref : 0;
}

int prep_one(const std::string& in, const std::string& out) {
    auto pages = t30::read_document(in);
    if (!pages) {
        std::fprintf(stderr, "faxbench --prep-one: %s\n", pages.error().to_string().c_str());
        return 1;
    }
    std::vector<t30::Bitmap> norm;
    norm.reserve(pages->size());
    for (auto& p : *pages) {
        // Moved, as the station's gate does (normalise_owned): a page already at fax
        // resolution and width is kept, not copied.
        auto n = t30::normalise_page(std::move(p));
        if (!n) {
            std::fprintf(stderr, "faxbench --prep-one: %s\n", n.error().to_string().c_str());
            return 1;
        }
        norm.push_back(std::move(*n));
    }
    if (auto s = t30::write_fax_tiff(out, norm, t30::TiffCompression::T6); !s) {
        std::fprintf(stderr, "faxbench --prep-one: %s\n", s.error().to_string().c_str());
        return 1;
    }
    return 0;
}

Result<std::vector<PrepRow>> run_prep_bench(const PrepBenchOptions& o) {
    auto inputs = make_inputs(o);
    if (!inputs) return fail(inputs.take_error());
    if (!o.keep_inputs.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o.keep_inputs, ec);
        for (const auto& in : *inputs)
            std::filesystem::copy_file(in.path, o.keep_inputs / std::filesystem::path(in.path).filename(),
                                       std::filesystem::copy_options::overwrite_existing, ec);
    }
    const std::string self = self_exe();
    const std::string log = (o.work_dir / "prep.log").string();
    std::vector<PrepRow> rows;
    for (const auto& in : *inputs) {
        PrepRow row;
        row.input = in;
        const std::string ours_out = (o.work_dir / "ours.tif").string();
        const std::string ref_out = (o.work_dir / "ref.tif").string();
        if (in.kind == PrepKind::ProcessStart) {
            row.ours = run_tool("faxstack", {self, "--help"}, ours_out, in, o.runs, log);
            row.reference = run_tool("gs", {kGs, "-q", "-dNODISPLAY", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-c", "quit"},
                                     ref_out, in, o.runs, log);
            rows.push_back(std::move(row));
            continue;
        }
        row.ours = run_tool("faxstack", {self, "--prep-one", in.path, ours_out}, ours_out, in, o.runs, log);
        if (in.pdf) {
            row.reference = run_tool("gs",
                                     {kGs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg4", "-r204x196",
                                      "-g1728x" + std::to_string(in.out_height), "-dPDFFitPage", "-dFIXEDMEDIA",
                                      "-sOutputFile=" + ref_out, in.path},
                                     ref_out, in, o.runs, log);
        } else {
            row.reference = run_tool("tiffcp", {kTiffcp, "-c", "g4", in.path, ref_out}, ref_out, in, o.runs, log);
        }
        std::fprintf(stderr, "faxbench: prep %s done\n", in.name.c_str());
        rows.push_back(std::move(row));
    }
    return rows;
}

namespace {

void tool_line(std::string& out, const std::string& input, int pages, const PrepToolRun& t, const std::string& ratio) {
    char line[320];
    if (!t.ok) {
        std::snprintf(line, sizeof line, "%-26s %5d %-9s FAILED: %s\n", input.c_str(), pages, t.tool.c_str(),
                      t.failure.c_str());
        out += line;
        return;
    }
    if (pages == 0) {  // the process start: no pages, no output
        std::snprintf(line, sizeof line, "%-26s %5s %-9s %8.3f %8.3f %9s %9s %8.1f %10s %7s\n", input.c_str(), "-",
                      t.tool.c_str(), t.best.wall_s, t.best.cpu_s, "-", "-", static_cast<double>(t.max_rss_kib) / 1024.0,
                      "-", ratio.c_str());
        out += line;
        return;
    }
    std::snprintf(line, sizeof line, "%-26s %5d %-9s %8.3f %8.3f %9.1f %9.1f %8.1f %10s %7s\n", input.c_str(), pages,
                  t.tool.c_str(), t.best.wall_s, t.best.cpu_s, t.pages_per_cpu_s(pages), t.pages_per_wall_s(pages),
                  static_cast<double>(t.max_rss_kib) / 1024.0,
                  (std::to_string(t.out_width) + "x" + std::to_string(t.out_height)).c_str(), ratio.c_str());
    out += line;
}

nlohmann::json tool_json(const PrepToolRun& t, int pages) {
    return {{"tool", t.tool},
            {"ok", t.ok},
            {"failure", t.failure},
            {"wall_s", t.best.wall_s},
            {"cpu_s", t.best.cpu_s},
            {"pages_per_cpu_s", t.pages_per_cpu_s(pages)},
            {"pages_per_wall_s", t.pages_per_wall_s(pages)},
            {"peak_rss_kib", t.max_rss_kib},
            {"out_pages", t.out_pages},
            {"out_width", t.out_width},
            {"out_height", t.out_height}};
}

}  // namespace

std::string format_prep_table(const std::vector<PrepRow>& rows, const PrepTargets& t) {
    std::string out;
    char line[320];
    std::snprintf(line, sizeof line, "%-26s %5s %-9s %8s %8s %9s %9s %8s %10s %7s\n", "input", "pages", "tool", "wall s",
                  "CPU s", "pg/CPU s", "pg/wall s", "peak MB", "out WxH", "ratio");
    out += line;
    out += std::string(108, '-') + "\n";
    double scanned = -1, scanned_t6 = -1, text = -1;
    for (const auto& r : rows) {
        char ratio[32];
        std::snprintf(ratio, sizeof ratio, "%.2f", r.ratio());
        tool_line(out, r.input.name, r.input.pages, r.ours, r.ratio() > 0 ? ratio : "-");
        tool_line(out, "", r.input.pages, r.reference, "ref");
        if (r.input.kind == PrepKind::ScanPdf) scanned = r.ratio();
        if (r.input.kind == PrepKind::ScanPdfT6) scanned_t6 = r.ratio();
        if (r.input.kind == PrepKind::TextPdf) text = r.ratio();
    }
    out += "\n";
    if (scanned_t6 >= 0) {
        std::snprintf(line, sizeof line, "scanned PDF, T.6 images (no target): faxstack / gs pages per CPU second %.2f\n",
                      scanned_t6);
        out += line;
    }
    std::snprintf(line, sizeof line, "scanned PDF: faxstack / gs pages per CPU second %.2f; target >= %.2f: %s\n", scanned,
                  t.scanned_vs_ghostscript, scanned >= t.scanned_vs_ghostscript ? "met" : "NOT met");
    out += line;
    std::snprintf(line, sizeof line, "text PDF:    faxstack / gs pages per CPU second %.2f; target >= %.2f (no slower than before): %s\n",
                  text, t.text_vs_ghostscript, text >= t.text_vs_ghostscript ? "met" : "NOT met");
    out += line;
    return out;
}

std::string prep_json(const std::vector<PrepRow>& rows, const PrepTargets& t) {
    nlohmann::json j;
    j["output"] = "multi-page TIFF G4, 1728 px wide, 204 x 196 dpi (text.pdf: Letter fitted to 1728 px)";
    j["measure"] = "each tool a child process; fastest of the runs by CPU (user+sys, wait4); peak RSS the largest";
    j["target_scanned_vs_ghostscript"] = t.scanned_vs_ghostscript;
    j["target_text_vs_ghostscript"] = t.text_vs_ghostscript;
    auto& a = j["inputs"];
    a = nlohmann::json::array();
    for (const auto& r : rows)
        a.push_back({{"input", r.input.name},
                     {"pdf", r.input.pdf},
                     {"process_start", r.input.kind == PrepKind::ProcessStart},
                     {"pages", r.input.pages},
                     {"faxstack", tool_json(r.ours, r.input.pages)},
                     {"reference", tool_json(r.reference, r.input.pages)},
                     {"ratio_pages_per_cpu_s", r.ratio()}});
    return j.dump();
}

}  // namespace fax::faxbench
