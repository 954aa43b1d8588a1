// AT response parsing for fax modems: result codes, line splitting, echo
// detection and capability lists. Pure functions and a byte-fed line splitter:
// no I/O and no clock (STYLE.md §4), so the Class 1 driver and its tests share them.
//
// Result codes are those of V.250 (verbose and numeric forms) plus T.31's
// +FCERROR / +F4, which a Class 1 modem sends when it hears a different
// modulation than the one it was told to receive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"

namespace fax::driver {

enum class AtResult { Ok, Connect, Ring, NoCarrier, Error, NoDialtone, Busy, NoAnswer, FcError };

// Recognises a result-code line in verbose form ("OK", "CONNECT", "CONNECT 14400", "NO CARRIER", "ERROR",
// "NO DIALTONE", "NO DIAL TONE", "BUSY", "NO ANSWER", "RING", "+FCERROR") and numeric (ATV0) form
// ("0" OK, "1" CONNECT, "2" RING, "3" NO CARRIER, "4" ERROR, "6" NO DIALTONE, "7" BUSY, "8" NO ANSWER,
// "+F4" +FCERROR). Surrounding whitespace and letter case are ignored. Vendor-specific numeric CONNECT
// codes (5, 10, 11, ...) are not recognised: their meaning differs between modems.
// Anything else (information text such as "+FTM: 24,48" or an "ATI3" echo) → std::nullopt.
std::optional<AtResult> parse_result_code(std::string_view line);

// Which forms a command/response engine takes for result codes. After ATV1 a modem sends words and a
// line of digits is information text (e.g. "1" answering +FCLASS?, "0" answering ATI on some modems);
// a modem whose V1 does not stick (profile quirk numeric_result_codes) sends only digits (V.250 §6.2.6).
enum class ResultForm { Verbose, Numeric, Either };
std::optional<AtResult> parse_result_code(std::string_view line, ResultForm form);

// A modem line fit for an error message: printable ASCII kept, anything else as \xNN, cut at 32
// characters. Modem answers carry no patient data, but a garbled one may be misread page data: only
// a short excerpt is ever shown.
std::string describe_line(std::string_view line);
// True if `line` cannot be modem text: a quarter or more of its bytes are outside printable ASCII.
// Tab and the T.31/T.32 control characters (DLE, ETX, SUB, CAN, DC2, XON, XOFF), which can stray
// into command mode, do not count (a "DLE ETX" line after an aborted receive is not garbage).
bool is_garbled(std::string_view line);

// The verbose form, e.g. "NO CARRIER".
std::string_view to_string(AtResult r);

// Final for a command: everything except Ring (unsolicited).
bool is_final(AtResult r);

// THE one place modem result codes become typed errors (STYLE.md §3):
// NoCarrier→Errc::NoCarrier, Busy→Errc::LineBusy, NoDialtone→Errc::NoDialtone, NoAnswer→Errc::NoAnswer,
// Error/FcError→Errc::ModemError; Ok/Connect/Ring → Errc::Protocol ("unexpected ..."). The message names
// the command that got the answer (e.g. "AT+FRM=146 answered +FCERROR"); pass a redacted command
// (e.g. "ATD") where the full one would put a dial string into logs.
Error to_error(AtResult r, std::string_view command);

// Splits the modem's byte stream into lines: CR and/or LF terminate a line; empty lines dropped; trailing
// spaces trimmed; a line longer than kMaxLine bytes is cut and delivered anyway (flagged via
// overlong_count()), and the rest of it up to the next CR/LF is discarded. NUL bytes ignored.
class AtLineReader {
public:
    static constexpr std::size_t kMaxLine = 512;

    void feed(std::span<const uint8_t> bytes);
    // Oldest complete line, or nullopt when none is complete yet.
    std::optional<std::string> next();
    // Bytes of an unterminated line held back.
    std::size_t buffered_partial() const { return partial_.size(); }
    // That unterminated line (e.g. an answer cut short), for error messages.
    const std::string& partial() const { return partial_; }
    // Drops complete and partial lines (e.g. before a new command). overlong_count() is kept.
    void clear();
    // How many lines were cut at kMaxLine since construction.
    std::size_t overlong_count() const { return overlong_; }

private:
    void finish_line();

    std::deque<std::string> lines_;
    std::string partial_;
    bool discarding_ = false;  // inside the tail of an overlong line
    std::size_t overlong_ = 0;
};

// True if `line` is the modem echoing `command` (case-insensitive, command given without CR;
// trailing whitespace on either side is ignored).
bool is_echo(std::string_view line, std::string_view command);

// Capability replies: "+FTM: 24,48,72,73,74,96,97,98,121,122,145,146" or "24,48,72" or "(0-2),(0,1)"
// style ranges expanded (groups flattened in order); with or without the "+Xxx:" prefix. Returns the
// integers; InvalidInput on garbage (letters, empty items, unbalanced parentheses, descending or huge
// ranges, an empty list).
Result<std::vector<int>> parse_int_list(std::string_view reply);

// "+FCLASS=?" replies like "0,1,1.0,2.0" or "(0,1,2.0)" → {"0","1","1.0","2.0"}; integer ranges such
// as "0-2" are expanded. InvalidInput on garbage.
Result<std::vector<std::string>> parse_class_list(std::string_view reply);

}  // namespace fax::driver
