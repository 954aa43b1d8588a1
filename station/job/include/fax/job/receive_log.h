// ReceiveLog: the faxes a station received (SQLite, <data_dir>/received.db). The
// pages themselves are TIFF files under <data_dir>/received/ (0600); this records
// who sent them (as the sender identified itself), when, on which modem, how the call
// went and where the file is. No page content.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/store/database.h"


namespace fax::job {

struct ReceivedFax {
    std::string id;          // "R20261201T123456-1a2b3c"
    std::string modem;
    std::string remote_tsi;  // empty if the sender did not identify itself
    int pages = 0;
    bool complete = false;   // T.30 ended normally after the last page
    std::string completion;  // "ok", "partial", "failed"
    std::string detail;
    int bit_rate = 0;
    std::string modulation;
    bool ecm = false;
    std::string compression;
    std::chrono::system_clock::time_point started_at{};
    std::chrono::system_clock::time_point finished_at{};
    std::string tiff_path;   // empty if nothing was stored (a path on `station`)
    std::string station;     // the station that received it (station.name)
};

class ReceiveLog {
public:
    static constexpr int kSchemaVersion = 2;  // 2: the receiving station
    static Result<ReceiveLog> open(const std::filesystem::path& path);
    static Result<ReceiveLog> open(std::shared_ptr<store::Database> db, store::SchemaPolicy policy);
    ReceiveLog(ReceiveLog&&) noexcept;
    ReceiveLog& operator=(ReceiveLog&&) noexcept;
    ~ReceiveLog();

    Status add(const ReceivedFax& fax);
    Result<std::optional<ReceivedFax>> find(std::string_view id) const;
    Result<std::vector<ReceivedFax>> list(int limit = 1000) const;  // newest first

private:
    explicit ReceiveLog(std::shared_ptr<store::Database> db);
    std::shared_ptr<store::Database> db_;
};

}  // namespace fax::job
