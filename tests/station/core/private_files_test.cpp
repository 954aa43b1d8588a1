// Private by construction (issue #14 item 2, docs/station.md "Files and permissions"):
// every directory the station makes is 0700 and every file 0600 from the moment it
// exists, whatever the umask; an existing directory that is not private is refused;
// no station path is followed through a symbolic link. The second-user checks run a
// child as uid/gid 65534 (nobody) and need root (as CI runs them).
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fax/station/report_files.h"
#include "fax/station/station.h"
#include "fax/t30/part_file.h"
#include "release_fixture.h"

namespace fax::station {
namespace {

namespace fs = std::filesystem;
using fax::testing::TempDir;

constexpr uid_t kNobody = 65534;

class Umask {
public:
    explicit Umask(mode_t m) : old_(::umask(m)) {}
    ~Umask() { ::umask(old_); }

private:
    mode_t old_;
};

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return 0;
    return st.st_mode & 07777;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs `probe` in a child that has become uid/gid 65534 with no supplementary groups;
// returns what the probe reported ("" = as expected).
std::string as_nobody(const std::function<std::string()>& probe) {
    int p[2];
    if (::pipe(p) != 0) return "pipe failed";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        std::string r;
        if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
            r = std::string("cannot become nobody: ") + std::strerror(errno);
        else
            r = probe();
        if (!r.empty()) (void)!::write(p[1], r.data(), r.size());
        ::_exit(0);
    }
    ::close(p[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    ::close(p[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return out;
}

// Every path: opening it for reading (a file) or listing it (a directory) fails with EACCES.
std::string none_readable(const std::vector<fs::path>& files, const std::vector<fs::path>& dirs) {
    std::string bad;
    for (const auto& f : files) {
        const int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            bad += "read " + f.string() + "; ";
            ::close(fd);
        } else if (errno != EACCES) {
            bad += f.string() + ": " + std::strerror(errno) + " (not EACCES); ";
        }
    }
    for (const auto& d : dirs) {
        DIR* h = ::opendir(d.c_str());
        if (h != nullptr) {
            bad += "listed " + d.string() + "; ";
            ::closedir(h);
        } else if (errno != EACCES) {
            bad += d.string() + ": " + std::strerror(errno) + " (not EACCES); ";
        }
    }
    return bad;
}

class PrivateFiles : public ::testing::Test {
protected:
    void SetUp() override {
        // The TestGate (release_fixture) works on <tmp>/gate: make that the data directory,
        // one level below a parent the station also has to create.
        config_.data_dir = dir_.path() / "gate";
        config_.ident = "+1 206 555 0199";
    }

    bool root() const { return ::geteuid() == 0; }

    // A release cleared through the gate: its spool file.
    fs::path spool_release() {
        const auto doc = fax::testing::write_charts(dir_, {1}, "doc.tif");
        auto r = fax::testing::clear_for_fax(dir_, doc, "206-555-0110");
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
        return r.ok() ? fs::path(r->tiff_path()) : fs::path();
    }

    job::ReceivedFax received(const std::string& id) {
        job::ReceivedFax f;
        f.id = id;
        f.modem = "/dev/ttyACM0";
        f.remote_tsi = "+1 425 555 0100";
        f.pages = 1;
        f.complete = true;
        f.completion = "ok";
        f.tiff_path = (config_.received_dir() / (id + ".tif")).string();
        return f;
    }

    TempDir dir_;
    StationConfig config_;
};

// The whole set: stores (and their -wal/-shm), a spooled release, a transmission and a
// reception report, a received fax, all made with the umask wide open. Every directory
// is 0700 and every file 0600; as a second user none can be listed or read, also with
// the directories opened for traversal (so each file's own mode is what stops it).
TEST_F(PrivateFiles, AsASecondUserNothingTheStationWroteCanBeReadOrListed) {
    Umask open_umask(0);
    config_.data_dir = dir_.path() / "site" / "data";  // a parent to create as well
    auto station = Station::open(config_);
    ASSERT_TRUE(station.ok()) << station.error().to_string();
    // A release spooled by the station's own gate.
    const auto doc = fax::testing::write_charts(dir_, {1}, "doc.tif");
    auto& d = (*station)->directory();
    gate::NewEntry e;
    e.id = "clinic";
    e.organisation = "Reference Clinic";
    e.person = "Dr. Receiving Physician";
    e.category = gate::RecipientCategory::KpProvider;
    e.fax = "206-555-0110";
    e.voice = "425-555-0199";
    const auto now = fax::testing::gate_now();
    ASSERT_TRUE(d.add(e, now - std::chrono::days(30)).ok());
    ASSERT_TRUE(d.record_test_fax("clinic", gate::TestFaxRecord{"JTEST", now - std::chrono::days(2), true, "E100"}).ok());
    ASSERT_TRUE(d.confirm_by_phone("clinic", gate::PhoneConfirmation{"E100", "Test Clerk", "Front desk",
                                                                     now - std::chrono::days(1)})
                    .ok());
    gate::ReleaseRequest req;
    req.requester = {"E100", "Test Clerk"};
    req.member_reference = fax::testing::kMemberReference;
    req.recipient.directory_id = "clinic";
    req.purpose = gate::Purpose::Treatment;
    req.sections = {"discharge_summary"};
    req.justification = "Continuing treatment at the receiving clinic needs the discharge summary.";
    gate::DocumentSelection sel;
    sel.path = doc;
    sel.pages = {1};
    sel.sections = {gate::SectionTag{"discharge_summary", {1}}};
    req.documents.push_back(sel);
    req.sender = {"Test Clerk", "Health Information Management", "206-555-0100", "206-555-0101"};
    gate::Context ctx;
    ctx.now = now;
    auto decision = (*station)->gate().evaluate(req, ctx);
    ASSERT_TRUE(decision.ok()) << decision.error().to_string();
    ASSERT_TRUE(decision->cleared());
    const std::string spooled = decision->release().tiff_path();

    TransmitReport rep;
    rep.job_id = "J20260302T100000-0011223344";
    rep.pages_total = 2;
    ASSERT_TRUE(write_job_report(config_, rep, ReportRecipient{"Reference Clinic", "Dr. R", "206-555-0110", ""}, spooled)
                    .ok());
    ASSERT_TRUE(write_reception_report(config_, received("R20260302T100000-abcdef")).ok());
    {
        auto part = t30::PartFile::create((config_.received_dir() / "R20260302T100000-abcdef.tif").string());
        ASSERT_TRUE(part.ok()) << part.error().to_string();
        std::ofstream(part->part_path()) << "II*\0 page data";
        ASSERT_TRUE(part->commit().ok());
    }

    // While the stores are open their -wal and -shm files exist too.
    std::vector<fs::path> files, dirs{config_.data_dir};
    for (const auto& entry : fs::recursive_directory_iterator(config_.data_dir)) {
        if (entry.is_symlink()) ADD_FAILURE() << "a symbolic link in the data directory: " << entry.path();
        else if (entry.is_directory()) dirs.push_back(entry.path());
        else files.push_back(entry.path());
    }
    for (const char* name : {"directory.db", "audit.db", "queue.db", "received.db", "audit.db-wal", "audit.db-shm"})
        EXPECT_NE(std::find(files.begin(), files.end(), config_.data_dir / name), files.end()) << name;
    EXPECT_NE(std::find(files.begin(), files.end(), fs::path(spooled)), files.end());
    for (const auto& f : files) EXPECT_NE(f.filename().string().front(), '.') << "a temporary file left behind: " << f;
    EXPECT_EQ(fs::directory_iterator(config_.reports_dir()) == fs::directory_iterator(), false);
    for (const auto& f : files) EXPECT_EQ(mode_of(f), 0600u) << f;
    for (const auto& d2 : dirs) EXPECT_EQ(mode_of(d2), 0700u) << d2;
    EXPECT_EQ(mode_of(dir_.path() / "site"), 0700u) << "a parent the station created";

    if (!root()) GTEST_SKIP() << "the second-user part needs root (to become uid 65534); CI runs as root";
    // The test's own temporary directory is 0700: open it so only the station's modes count.
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
    ASSERT_EQ(::chmod((dir_.path() / "site").c_str(), 0755), 0);
    EXPECT_EQ(as_nobody([&] { return none_readable(files, dirs); }), "");
    // Each file on its own: every directory traversable (not by the station: by this test).
    for (const auto& d2 : dirs) ASSERT_EQ(::chmod(d2.c_str(), 0711), 0);
    EXPECT_EQ(as_nobody([&] { return none_readable(files, {}); }), "");
}

// "A process polling the spool stole a whole release": with the umask wide open, a
// poller that looks at every entry of the spool and reports directories while
// releases are spooled and reports written never sees one with a group or other bit.
TEST_F(PrivateFiles, APollerNeverSeesASpoolOrReportFileOthersCouldOpen) {
    Umask open_umask(0);
    auto station = Station::open(config_);  // makes the directories
    ASSERT_TRUE(station.ok()) << station.error().to_string();
    station->reset();

    std::atomic<bool> stop{false};
    std::atomic<long> seen{0};
    std::set<std::string> wide;  // distinct names and modes seen with a group or other bit
    std::thread poller([&] {
        const fs::path dirs[] = {config_.spool_dir(), config_.reports_dir()};
        while (!stop.load()) {
            for (const auto& d : dirs) {
                DIR* h = ::opendir(d.c_str());
                if (h == nullptr) continue;
                while (const dirent* ent = ::readdir(h)) {
                    if (ent->d_name[0] == '.' && (ent->d_name[1] == 0 || (ent->d_name[1] == '.' && ent->d_name[2] == 0)))
                        continue;
                    struct stat st {};
                    if (::fstatat(::dirfd(h), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
                    ++seen;
                    if ((st.st_mode & 077) != 0) {
                        char mode[8];
                        std::snprintf(mode, sizeof mode, "0%03o", static_cast<unsigned>(st.st_mode & 0777));
                        wide.insert(std::string(ent->d_name) + " mode " + mode);
                    }
                }
                ::closedir(h);
            }
        }
    });
    std::vector<fs::path> spooled;
    for (int i = 0; i < 3; ++i) {
        spooled.push_back(spool_release());
        TransmitReport rep;
        rep.job_id = "J20260302T10000" + std::to_string(i) + "-0011223344";
        rep.pages_total = 2;
        EXPECT_TRUE(write_job_report(config_, rep, ReportRecipient{"Clinic", "Dr. R", "206-555-0110", ""},
                                     spooled.back().string())
                        .ok());
    }
    stop = true;
    poller.join();
    EXPECT_GT(seen.load(), 0);
    EXPECT_TRUE(wide.empty()) << ::testing::PrintToString(wide);
    for (const auto& s : spooled) EXPECT_EQ(mode_of(s), 0600u) << s;
}

TEST_F(PrivateFiles, AnExistingDataDirectoryOpenToOthersIsRefusedAndLeftAlone) {
    ASSERT_EQ(::mkdir(config_.data_dir.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(config_.data_dir.c_str(), 0755), 0);
    auto station = Station::open(config_);
    ASSERT_FALSE(station.ok());
    EXPECT_EQ(station.error().code, Errc::InvalidInput);
    const std::string& m = station.error().message;
    EXPECT_NE(m.find("data directory " + config_.data_dir.string()), std::string::npos) << m;
    EXPECT_NE(m.find("mode 0755"), std::string::npos) << m;
    EXPECT_NE(m.find("chmod 0700 " + config_.data_dir.string()), std::string::npos) << m;
    EXPECT_EQ(mode_of(config_.data_dir), 0755u);
    EXPECT_TRUE(fs::is_empty(config_.data_dir)) << "nothing written into it";
    auto check = check_data_dirs(config_);
    ASSERT_FALSE(check.ok());
    EXPECT_EQ(check.error().code, Errc::InvalidInput);
}

TEST_F(PrivateFiles, AnExistingSubdirectoryOpenToOthersIsRefused) {
    const std::pair<fs::path, const char*> subdirs[] = {{config_.spool_dir(), "spool directory"},
                                                        {config_.reports_dir(), "reports directory"},
                                                        {config_.received_dir(), "received-fax directory"}};
    for (const auto& [sub, what] : subdirs) {
        fs::remove_all(config_.data_dir);
        ASSERT_EQ(::mkdir(config_.data_dir.c_str(), 0700), 0);
        ASSERT_EQ(::mkdir(sub.c_str(), 0700), 0);
        ASSERT_EQ(::chmod(sub.c_str(), 0750), 0);
        auto station = Station::open(config_);
        ASSERT_FALSE(station.ok()) << what;
        EXPECT_EQ(station.error().code, Errc::InvalidInput);
        EXPECT_NE(station.error().message.find(std::string(what) + " " + sub.string()), std::string::npos)
            << station.error().message;
        EXPECT_NE(station.error().message.find("mode 0750"), std::string::npos) << station.error().message;
        EXPECT_EQ(mode_of(sub), 0750u);
    }
}

TEST_F(PrivateFiles, ADataDirectoryOwnedByAnotherUserIsRefused) {
    if (!root()) GTEST_SKIP() << "needs root to give a directory to another user (CI runs as root)";
    ASSERT_EQ(::mkdir(config_.data_dir.c_str(), 0700), 0);
    ASSERT_EQ(::chown(config_.data_dir.c_str(), kNobody, kNobody), 0);
    auto station = Station::open(config_);
    ASSERT_FALSE(station.ok());
    EXPECT_EQ(station.error().code, Errc::InvalidInput);
    const std::string& m = station.error().message;
    EXPECT_NE(m.find("data directory " + config_.data_dir.string() + " is owned by uid 65534"), std::string::npos) << m;
    EXPECT_NE(m.find("chown"), std::string::npos) << m;
    EXPECT_TRUE(fs::is_empty(config_.data_dir));
}

TEST_F(PrivateFiles, ASymlinkedDataDirectoryOrSubdirectoryIsRefused) {
    const auto elsewhere = dir_.path() / "elsewhere";
    ASSERT_EQ(::mkdir(elsewhere.c_str(), 0700), 0);
    fs::create_directory_symlink(elsewhere, config_.data_dir);
    auto station = Station::open(config_);
    ASSERT_FALSE(station.ok());
    EXPECT_EQ(station.error().code, Errc::InvalidInput);
    EXPECT_NE(station.error().message.find("symbolic link"), std::string::npos) << station.error().message;
    EXPECT_TRUE(fs::is_empty(elsewhere));

    fs::remove(config_.data_dir);
    ASSERT_EQ(::mkdir(config_.data_dir.c_str(), 0700), 0);
    fs::create_directory_symlink(elsewhere, config_.spool_dir());
    station = Station::open(config_);
    ASSERT_FALSE(station.ok());
    EXPECT_NE(station.error().message.find("spool directory " + config_.spool_dir().string() + " is a symbolic link"),
              std::string::npos)
        << station.error().message;
    EXPECT_TRUE(fs::is_empty(elsewhere));
}

// A link planted at a store's path: the station refuses to open it and the file it
// points to is untouched.
TEST_F(PrivateFiles, ALinkAtAStorePathIsNotFollowed) {
    for (const auto& store : {config_.directory_db(), config_.audit_db(), config_.queue_db(), config_.received_db()}) {
        fs::remove_all(config_.data_dir);
        ASSERT_EQ(::mkdir(config_.data_dir.c_str(), 0700), 0);
        const auto victim = dir_.path() / "victim";
        std::ofstream(victim) << "not a database";
        ASSERT_EQ(::chmod(victim.c_str(), 0644), 0);
        fs::create_symlink(victim, store);
        auto station = Station::open(config_);
        EXPECT_FALSE(station.ok()) << store;
        EXPECT_EQ(slurp(victim), "not a database") << store;
        EXPECT_EQ(mode_of(victim), 0644u) << store;
    }
}

// Links planted at a report's paths are replaced by the report, never written through.
TEST_F(PrivateFiles, ALinkAtAReportPathIsNotFollowed) {
    ASSERT_TRUE(prepare_data_dirs(config_).ok());
    const std::string id = "R20260302T100000-abcdef";
    const auto victim = dir_.path() / "victim";
    std::ofstream(victim) << "someone else's file";
    ASSERT_EQ(::chmod(victim.c_str(), 0644), 0);
    for (const char* ext : {".png", ".pdf"}) fs::create_symlink(victim, config_.reports_dir() / (id + ext));
    auto files = write_reception_report(config_, received(id));
    ASSERT_TRUE(files.ok()) << files.error().to_string();
    EXPECT_EQ(slurp(victim), "someone else's file");
    EXPECT_EQ(mode_of(victim), 0644u);
    for (const auto& p : {files->png, files->pdf}) {
        EXPECT_FALSE(fs::is_symlink(p)) << p;
        EXPECT_EQ(mode_of(p), 0600u) << p;
        EXPECT_GT(fs::file_size(p), 100u) << p;
    }
}

}  // namespace
}  // namespace fax::station
