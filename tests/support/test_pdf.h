// Test inputs: a minimal, valid PDF built in memory (no PDF writer needed), so document
// input can be tested on exactly known page content.
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace fax::testing {

// A PDF file of the given objects (numbered from 1, the first the catalog), with a
// correct xref table.
inline std::string pdf_from_objects(const std::vector<std::string>& objs) {
    std::string out = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objs.size(); ++i) {
        offsets.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
    }
    const std::size_t xref = out.size();
    out += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
    for (std::size_t off : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
        out += line;
    }
    out += "trailer\n<< /Size " + std::to_string(objs.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return out;
}

// A minimal, valid PDF: one content stream per page, with a correct xref table.
inline std::string make_pdf(const std::vector<std::string>& contents, double w_pt = 612, double h_pt = 792) {
    std::vector<std::string> objs;
    std::string kids;
    const int n = static_cast<int>(contents.size());
    for (int i = 0; i < n; ++i) kids += std::to_string(4 + 2 * i) + " 0 R ";
    objs.push_back("<< /Type /Catalog /Pages 2 0 R >>");
    objs.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(n) + " >>");
    objs.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    for (int i = 0; i < n; ++i) {
        std::ostringstream page;
        page << "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " << w_pt << ' ' << h_pt << "] /Contents "
             << 5 + 2 * i << " 0 R /Resources << /Font << /F1 3 0 R >> >> >>";
        objs.push_back(page.str());
        objs.push_back("<< /Length " + std::to_string(contents[static_cast<std::size_t>(i)].size()) + " >>\nstream\n" +
                       contents[static_cast<std::size_t>(i)] + "\nendstream");
    }
    return pdf_from_objects(objs);
}

}  // namespace fax::testing
