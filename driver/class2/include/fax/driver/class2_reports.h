// Class 2.0 (ITU-T T.32) reports and session parameters: pure parsing, no I/O.
//
// A Class 2.0 modem runs T.30 itself and tells the DTE what happened in information
// text before a final result code: +FCO (fax connection), +FCI/+FTI/+FPI (remote
// station ids, T.32 §8.4.2), +FIS/+FCS (remote capabilities / this session, T.32
// §8.5.1), +FPS (page result, §8.5.2.2), +FET (post-page message, §8.4.3) and +FHS
// (call termination status, §8.5.2.7 and Table 24).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"

namespace fax::driver {

// T.32 Table 21: VR,BR,WD,LN,DF,EC,BF,ST.
struct Class2Params {
    // Vertical resolution, a bit map (hexadecimal in the reports): 0 = 98 lpi only, 1 = 196
    // lpi; +FIS after ATD lists every resolution the far end offers (3 = fine and superfine),
    // +FCS the one in use.
    int vr = 1;
    int br = 5;  // bit rate: 0..5 = 2400, 4800, 7200, 9600, 12000, 14400 bit/s
    int wd = 0;  // page width: 0 = 1728 pixels
    int ln = 2;  // page length: 0 = A4, 1 = B4, 2 = unlimited
    int df = 0;  // data format: 0 = MH (T.4 1-D), 1 = MR (T.4 2-D), 3 = MMR (T.6)
    int ec = 0;  // error correction: 0 = none, 1 = ECM
    int bf = 0;  // binary file transfer
    int st = 0;  // minimum scan time code
    bool operator==(const Class2Params&) const = default;

    // "1,5,0,2,0,0,0,0"
    std::string to_string() const;
    int bit_rate() const;  // bit/s
};

// "1,5,0,2,0,0,0,0" (with or without a "+FCS:" style prefix; missing trailing fields keep
// their defaults). InvalidInput on garbage or values out of the T.32 ranges.
Result<Class2Params> parse_class2_params(std::string_view text);

// One information line "+FXX:value" → name "FXX" and value (quotes kept); a bare "+FCO"
// has an empty value. Anything else → nullopt.
struct Class2Report {
    std::string name;
    std::string value;
};
std::optional<Class2Report> parse_class2_report(std::string_view line);

// The first report named `name` in `info` lines, if any.
std::optional<std::string> find_report(const std::vector<std::string>& info, std::string_view name);

// A quoted station id ("\"  SOME ID \"") → trimmed text.
std::string unquote_ident(std::string_view value);

// +FHS:<hex> → the status number (T.32 Table 24 codes are hexadecimal).
Result<int> parse_hangup_status(std::string_view value);
// A short description of an +FHS code ("normal end", "call aborted from +FKS or CAN", ...).
std::string hangup_status_text(int status);

// +FPS:<ppr>,<lc>,... → ppr (1 MCF, 2 RTN, 3 RTP, 4 PIN, 5 PIP).
Result<int> parse_page_status(std::string_view value);
// "MCF", "RTN", "RTP", "PIN", "PIP" for a ppr; "?" otherwise.
std::string_view page_response_name(int ppr);
// MCF, RTP and PIP accept the page (T.30 §5.3.6.1.5).
bool page_confirmed(int ppr);

// The DLE pair that ends page data in Class 2.0 and carries the post-page message
// (T.32 §8.3.3): MPS → DLE ',', EOM → DLE ';', EOP → DLE '.'.
enum class PostPage { Mps, Eom, Eop };
char post_page_char(PostPage p);

}  // namespace fax::driver
