#include "fax/job/receive_log.h"

#include "fax/store/database.h"
#include "fax/store/stored_time.h"

namespace fax::job {

using store::Statement;

namespace {

// Schema text for both backends (store::schema_sql), applied version by version.
constexpr const char* kSchema = R"sql(
CREATE TABLE received (
  rx_id       TEXT PRIMARY KEY,
  modem       TEXT NOT NULL,
  remote_tsi  TEXT NOT NULL,
  pages       %INT% NOT NULL,
  complete    %INT% NOT NULL,
  completion  TEXT NOT NULL,
  detail      TEXT NOT NULL,
  bit_rate    %INT% NOT NULL,
  modulation  TEXT NOT NULL,
  ecm         %INT% NOT NULL,
  compression TEXT NOT NULL,
  started_at  %INT% NOT NULL,
  finished_at %INT% NOT NULL,
  tiff_path   TEXT NOT NULL
);
)sql";

// Version 2: the station that received it (one log for many stations on a shared store;
// tiff_path is on that station).
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE received ADD COLUMN station TEXT NOT NULL DEFAULT '';
)sql";

constexpr const char* kColumns =
    "rx_id, modem, remote_tsi, pages, complete, completion, detail, bit_rate, modulation, ecm, compression, "
    "started_at, finished_at, tiff_path, station";


ReceivedFax row(const Statement& st) {
    ReceivedFax f;
    f.id = st.text(0);
    f.modem = st.text(1);
    f.remote_tsi = st.text(2);
    f.pages = static_cast<int>(st.integer(3));
    f.complete = st.integer(4) != 0;
    f.completion = st.text(5);
    f.detail = st.text(6);
    f.bit_rate = static_cast<int>(st.integer(7));
    f.modulation = st.text(8);
    f.ecm = st.integer(9) != 0;
    f.compression = st.text(10);
    f.started_at = store::from_unix_ms(st.integer(11));
    f.finished_at = store::from_unix_ms(st.integer(12));
    f.tiff_path = st.text(13);
    f.station = st.text(14);
    return f;
}

}  // namespace

ReceiveLog::ReceiveLog(std::shared_ptr<store::Database> db) : db_(std::move(db)) {}
ReceiveLog::ReceiveLog(ReceiveLog&&) noexcept = default;
ReceiveLog& ReceiveLog::operator=(ReceiveLog&&) noexcept = default;
ReceiveLog::~ReceiveLog() = default;

Result<ReceiveLog> ReceiveLog::open(const std::filesystem::path& path) {
    auto db = store::open_sqlite(path, "received", true);
    if (!db) return fail(db.take_error());
    return open(std::shared_ptr<store::Database>(std::move(*db)), store::SchemaPolicy::Migrate);
}

Result<ReceiveLog> ReceiveLog::open(std::shared_ptr<store::Database> db, store::SchemaPolicy policy) {
    const auto migrate = [&](int version) -> Status {
        if (version == 0) FAX_TRY(db->exec(store::schema_sql(db->backend(), kSchema)));
        return db->exec(kSchemaV2);
    };
    FAX_TRY(store::settle_schema(*db, "received", kSchemaVersion, policy, migrate));
    return ReceiveLog(std::move(db));
}

Status ReceiveLog::add(const ReceivedFax& f) {
    auto st = db_->prepare(std::string("INSERT INTO received(") + kColumns +
                                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (!st) return fail(st.take_error());
    st->bind(1, f.id)
        .bind(2, f.modem)
        .bind(3, f.remote_tsi)
        .bind(4, static_cast<int64_t>(f.pages))
        .bind(5, static_cast<int64_t>(f.complete ? 1 : 0))
        .bind(6, f.completion)
        .bind(7, f.detail)
        .bind(8, static_cast<int64_t>(f.bit_rate))
        .bind(9, f.modulation)
        .bind(10, static_cast<int64_t>(f.ecm ? 1 : 0))
        .bind(11, f.compression)
        .bind(12, store::to_unix_ms(f.started_at))
        .bind(13, store::to_unix_ms(f.finished_at))
        .bind(14, f.tiff_path)
        .bind(15, f.station);
    return st->run();
}

Result<std::optional<ReceivedFax>> ReceiveLog::find(std::string_view id) const {
    auto st = db_->prepare(std::string("SELECT ") + kColumns + " FROM received WHERE rx_id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id);
    auto r = st->step();
    if (!r) return fail(r.take_error());
    if (!*r) return std::optional<ReceivedFax>();
    return std::optional<ReceivedFax>(row(*st));
}

Result<std::vector<ReceivedFax>> ReceiveLog::list(int limit) const {
    auto st = db_->prepare(std::string("SELECT ") + kColumns +
                                                " FROM received ORDER BY finished_at DESC, rx_id DESC LIMIT ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, static_cast<int64_t>(limit));
    std::vector<ReceivedFax> out;
    while (true) {
        auto r = st->step();
        if (!r) return fail(r.take_error());
        if (!*r) break;
        out.push_back(row(*st));
    }
    return out;
}

}  // namespace fax::job
