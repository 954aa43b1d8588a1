// Shared helpers for the fax_page tests: scratch files and synthetic pages.
#pragma once

#include <gtest/gtest.h>
#include <tiffio.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "fax/t30/bitmap.h"
#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"
#include "itu_chart.h"
#include "peer.h"

namespace fax::t30::test {

// A fresh directory per test, removed afterwards.
class ScratchDir {
public:
    ScratchDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::filesystem::temp_directory_path() /
               ("fax_page_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
                std::to_string(::getpid()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    ~ScratchDir() { std::filesystem::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

// ITU-T T.24 chart n (1..8), testdata/itu/itu<n>.tif (G4, 204 x 196 dpi).
inline std::string itu_chart(int n) { return fax::testing::itu_chart_path(n); }

inline Bitmap load_itu(int n) {
    auto r = read_tiff(itu_chart(n));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() && r->size() == 1u ? r->front() : Bitmap{};
}

// Chart n as a binary PBM (P4) in `path`, written byte by byte here (not by write_pbm,
// so the reader is checked against an independent writer). Returns the chart.
inline Bitmap write_itu_pbm(int n, const std::string& path) {
    const Bitmap b = load_itu(n);
    std::string out = "P4\n" + std::to_string(b.width) + " " + std::to_string(b.height) + "\n";
    for (int y = 0; y < b.height; ++y)
        for (int x = 0; x < b.width; x += 8) {
            unsigned char byte = 0;
            for (int i = 0; i < 8 && x + i < b.width; ++i)
                if (b.get(x + i, y)) byte = static_cast<unsigned char>(byte | (0x80u >> i));
            out.push_back(static_cast<char>(byte));
        }
    FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr) << path;
    if (f != nullptr) {
        EXPECT_EQ(std::fwrite(out.data(), 1, out.size(), f), out.size());
        std::fclose(f);
    }
    return b;
}

// A deterministic page with text-like features: a frame, 1-pixel lines, a checker patch.
inline Bitmap pattern_page(int w, int h, double xres, double yres) {
    Bitmap b = Bitmap::blank(w, h, xres, yres);
    for (int x = 0; x < w; ++x) {
        b.set(x, 0, true);
        b.set(x, h - 1, true);
    }
    for (int y = 0; y < h; ++y) {
        b.set(0, y, true);
        b.set(w - 1, y, true);
    }
    for (int y = h / 4; y < h / 4 + 40 && y < h; ++y)
        for (int x = w / 3; x < w / 3 + 40 && x < w; ++x) b.set(x, y, ((x ^ y) & 1) != 0);
    for (int y = 3; y < h - 3; y += 17) b.set((y * 7) % (w - 2) + 1, y, true);
    return b;
}

struct TiffCloser {
    void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

// Writes raw sample rows with libtiff directly (inputs other writers would produce).
// `set_tags` sets everything except width/length; rows are given as packed bytes.
inline void write_raw_tiff(const std::string& path,
                           const std::vector<std::function<void(TIFF*)>>& pages_tags,
                           const std::vector<std::vector<std::vector<uint8_t>>>& pages_rows) {
    TiffPtr t(TIFFOpen(path.c_str(), "w"));
    ASSERT_TRUE(t);
    for (std::size_t p = 0; p < pages_tags.size(); ++p) {
        pages_tags[p](t.get());
        for (std::size_t y = 0; y < pages_rows[p].size(); ++y) {
            std::vector<uint8_t> row = pages_rows[p][y];
            ASSERT_EQ(TIFFWriteScanline(t.get(), row.data(), static_cast<uint32_t>(y), 0), 1);
        }
        ASSERT_TRUE(TIFFWriteDirectory(t.get()));
    }
}

inline std::vector<std::vector<uint8_t>> rows_of(const Bitmap& b, bool invert = false) {
    std::vector<std::vector<uint8_t>> rows;
    for (int y = 0; y < b.height; ++y) {
        std::vector<uint8_t> r(b.row(y), b.row(y) + b.stride());
        if (invert)
            for (auto& v : r) v = static_cast<uint8_t>(~v);
        rows.push_back(std::move(r));
    }
    return rows;
}

}  // namespace fax::t30::test
