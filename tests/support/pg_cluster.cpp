#include "pg_cluster.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <system_error>
#include <thread>
#include <vector>

#include "fax/base/unique_fd.h"

namespace fax::test {

void PgConnCloser::operator()(pg_conn* c) const noexcept { PQfinish(c); }

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kAdmin = "faxadmin";

struct PgResultClear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultClear>;

struct PgFree {
    void operator()(char* p) const noexcept { PQfreemem(p); }
};
using PgStringPtr = std::unique_ptr<char, PgFree>;

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

// Who runs initdb, pg_ctl and the server: the caller, or `nobody` when the caller is root.
struct Identity {
    bool drop = false;
    uid_t uid = 0;
    gid_t gid = 0;
};

Result<Identity> server_identity() {
    if (::geteuid() != 0) return Identity{};
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    const int rc = ::getpwnam_r("nobody", &pw, buf.data(), buf.size(), &found);
    if (rc != 0 || found == nullptr)
        return fail(Errc::NotFound,
                    "running as root, and there is no user 'nobody' to run initdb and postgres as "
                    "(they refuse to run as root)");
    return Identity{true, pw.pw_uid, pw.pw_gid};
}

std::string exit_text(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "ended with wait status " + std::to_string(status);
}

// Runs argv[0] (an absolute path) with stdout and stderr on `out`, stdin on /dev/null, in
// `cwd`, as `who`, with a small fixed environment and no other inherited descriptors (a
// server that kept a test's pipe open would hide the pipe's end from the test). Returns the
// wait status.
Result<int> run(const std::vector<std::string>& argv, int out, const fs::path& cwd, const Identity& who) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // TZ fixed: initdb otherwise scans the zoneinfo tree to guess the system's zone.
    static const char* const kEnv[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", "TZ=UTC", nullptr};
    const std::string cwd_s = cwd.string();

    UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull) return fail(Errc::Io, "open /dev/null: " + errno_text(errno));

    const pid_t pid = ::fork();
    if (pid < 0) return fail(Errc::Io, "fork for " + argv[0] + ": " + errno_text(errno));
    if (pid == 0) {
        // Child: async-signal-safe calls only.
        if (::dup2(devnull.get(), 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(126);
        ::close_range(3, ~0U, 0);
        if (::chdir(cwd_s.c_str()) != 0) ::_exit(126);
        if (who.drop) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(who.gid) != 0 || ::setuid(who.uid) != 0) ::_exit(126);
        }
        ::execve(args[0], args.data(), const_cast<char* const*>(kEnv));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return fail(Errc::Io, "waitpid for " + argv[0] + ": " + errno_text(errno));
    }
    return status;
}

// Runs a program, its output appended to `log` (created 0600).
Result<int> run_logged(const std::vector<std::string>& argv, const fs::path& log, const fs::path& cwd,
                       const Identity& who) {
    UniqueFd fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return fail(Errc::Io, "open " + log.string() + ": " + errno_text(errno));
    return run(argv, fd.get(), cwd, who);
}

// The last `lines` lines of a file ("" if unreadable).
std::string tail(const fs::path& file, std::size_t lines = 15) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    std::size_t pos = text.size();
    for (std::size_t n = 0; n < lines && pos != std::string::npos && pos > 0; ++n) pos = text.rfind('\n', pos - 1);
    return (pos == std::string::npos || pos == 0) ? text : text.substr(pos + 1);
}

std::string logs_text(const fs::path& dir, std::initializer_list<const char*> names) {
    std::string out;
    for (const char* name : names) {
        const std::string t = tail(dir / name);
        if (!t.empty()) out += std::string("\n--- last lines of ") + name + ":\n" + t;
    }
    return out;
}

bool executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); }

bool has_server(const fs::path& bindir) {
    return executable(bindir / "initdb") && executable(bindir / "pg_ctl") && executable(bindir / "postgres");
}

// `pg_config --bindir`, if pg_config is on PATH.
std::optional<fs::path> pg_config_bindir() {
    std::optional<fs::path> pg_config;
    const char* path_env = std::getenv("PATH");
    std::istringstream dirs(path_env != nullptr ? path_env : "/usr/bin:/bin");
    for (std::string d; std::getline(dirs, d, ':');) {
        if (!d.empty() && executable(fs::path(d) / "pg_config")) {
            pg_config = fs::path(d) / "pg_config";
            break;
        }
    }
    if (!pg_config) return std::nullopt;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
    UniqueFd rd(fds[0]);
    UniqueFd wr(fds[1]);
    // pg_config may run as root; it only prints.
    std::string out;
    std::thread reader([&] {
        char buf[512];
        for (ssize_t n; (n = ::read(rd.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR);)
            if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    });
    auto status = run({pg_config->string(), "--bindir"}, wr.get(), "/", Identity{});
    wr.reset();
    reader.join();
    if (!status.ok() || *status != 0) return std::nullopt;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
    if (out.empty()) return std::nullopt;
    return fs::path(out);
}

Result<fs::path> find_bindir() {
    const auto from_config = pg_config_bindir();
    if (from_config && has_server(*from_config)) return *from_config;

    // Debian's layout: /usr/lib/postgresql/<major>/bin; the newest major wins.
    std::optional<fs::path> best;
    long best_major = -1;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const std::string name = entry.path().filename().string();
        char* end = nullptr;
        const long major = std::strtol(name.c_str(), &end, 10);
        if (end == name.c_str() || *end != '\0') continue;
        if (major > best_major && has_server(entry.path() / "bin")) {
            best_major = major;
            best = entry.path() / "bin";
        }
    }
    if (best) return *best;
    return fail(Errc::NotFound,
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: " +
                    (from_config ? "not in " + from_config->string() + " (pg_config --bindir)"
                                 : std::string("no pg_config on PATH")) +
                    ", none under /usr/lib/postgresql/*/bin (install the postgresql package; "
                    "scripts/setup.sh does)");
}

// Whether `p` suits as the parent of the cluster's directory: every component searchable by
// others when the server runs as another user, and a short plain path (the socket path
// must fit in sockaddr_un, and unix_socket_directories is a comma/space-separated list).
bool usable_base(const fs::path& p, bool other_user) {
    const std::string s = p.string();
    if (s.empty() || s.size() > 64 || s.front() != '/') return false;
    if (!std::all_of(s.begin(), s.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '_' || c == '-' || c == '.';
        }))
        return false;
    if (!other_user) return true;
    for (fs::path q = p;; q = q.parent_path()) {
        struct stat st{};
        if (::stat(q.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
        if (q == q.parent_path()) return true;
    }
}

int pick_port() {
    // A random base per process and a counter within it: clusters in one process never share
    // a number, clusters in parallel test processes rarely do (and each has its own socket
    // directory anyway, so a shared number would only share a name).
    static const int base = [] {
        std::random_device rd;
        return 20000 + static_cast<int>((rd() ^ static_cast<unsigned>(::getpid())) % 30000u);
    }();
    static std::atomic<int> counter{0};
    return base + counter.fetch_add(1) % 10000;
}

// A conninfo value: bare when plain, else single-quoted with \ and ' escaped.
std::string conn_value(std::string_view v) {
    const bool plain = !v.empty() && std::none_of(v.begin(), v.end(), [](char c) {
        return c == ' ' || c == '\'' || c == '\\' || c == '\t' || c == '\n' || c == '=';
    });
    if (plain) return std::string(v);
    std::string out = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string percent_encode(std::string_view v) {
    static const char* const kHex = "0123456789ABCDEF";
    std::string out;
    for (char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

// A value for postgresql.conf: single-quoted, ' doubled.
std::string conf_value(std::string_view v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string trimmed(const char* message) {
    std::string s = message != nullptr ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// The postmaster's pid from postmaster.pid, if the file is there.
std::optional<pid_t> postmaster_pid(const fs::path& data) {
    std::ifstream in(data / "postmaster.pid");
    long pid = 0;
    if (!(in >> pid) || pid <= 0) return std::nullopt;
    return static_cast<pid_t>(pid);
}


// The start time (clock ticks since boot) of a live, non-zombie process: with the pid it
// names a process even after the pid is reused.
std::optional<unsigned long long> process_start(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 1));
    std::string state;
    fields >> state;
    if (state == "Z" || state == "X") return std::nullopt;
    std::string skip;
    for (int i = 4; i < 22; ++i) fields >> skip;  // ppid .. priority fields up to starttime (22)
    unsigned long long start = 0;
    if (!(fields >> start)) return std::nullopt;
    return start;
}

constexpr const char* kOwnerFile = "owner";

// Records which process started the cluster in `dir`, for sweep_abandoned().
Status write_owner(const fs::path& dir) {
    const auto start = process_start(::getpid());
    if (!start) return fail(Errc::Io, "cannot read this process's start time from /proc");
    const fs::path file = dir / kOwnerFile;
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    const std::string text = std::to_string(::getpid()) + ' ' + std::to_string(*start) + '\n';
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return fail(Errc::Io, "cannot write " + file.string() + ": " + errno_text(errno));
    return {};
}

// Removes clusters under `base` whose starting process is gone without running the
// destructor (crashed, killed by a ctest timeout): SIGQUIT (immediate shutdown) to their
// postmaster, then the directory. Only directories of `owner_uid` that carry an owner file
// are touched; a postmaster is signalled only if it runs in that cluster's data directory.
void sweep_abandoned(const fs::path& base, uid_t owner_uid) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(base, ec)) {
        const fs::path dir = entry.path();
        if (dir.filename().string().rfind("faxpg-", 0) != 0) continue;
        struct stat st{};
        if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != owner_uid) continue;
        std::ifstream owner(dir / kOwnerFile);
        long pid = 0;
        unsigned long long start = 0;
        if (!(owner >> pid >> start) || pid <= 0) continue;
        if (process_start(static_cast<pid_t>(pid)) == start) continue;  // its owner still runs

        const fs::path data = dir / "data";
        if (const auto pm = postmaster_pid(data)) {
            std::error_code lec;
            if (fs::read_symlink("/proc/" + std::to_string(*pm) + "/cwd", lec) == data && !lec) {
                ::kill(*pm, SIGQUIT);
                const auto deadline = std::chrono::steady_clock::now() + 5s;
                while (process_start(*pm) && std::chrono::steady_clock::now() < deadline)
                    std::this_thread::sleep_for(10ms);
            }
        }
        std::error_code rec;
        fs::remove_all(dir, rec);
    }
}

}  // namespace

Result<std::unique_ptr<PgCluster>> PgCluster::start() {
    auto bindir = find_bindir();
    if (!bindir.ok()) return fail(bindir.take_error());
    auto who = server_identity();
    if (!who.ok()) return fail(who.take_error());

    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec || !usable_base(base, who->drop)) base = "/tmp";
    if (!usable_base(base, who->drop))
        return fail(Errc::Unsupported, "no directory for the cluster: " + base.string() +
                                           " is not searchable by others, or its path is too long");
    sweep_abandoned(base, who->drop ? who->uid : ::geteuid());
    std::string tmpl = (base / "faxpg-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::Io, "mkdtemp " + tmpl + ": " + errno_text(errno));

    std::unique_ptr<PgCluster> c(new PgCluster());
    c->bindir_ = *bindir;
    c->dir_ = tmpl;  // from here on the destructor removes it
    c->owner_ = ::getpid();
    FAX_TRY(write_owner(c->dir_));
    c->port_ = pick_port();
    // The directory belongs to the server's user; 0700 (root reaches it by capability).
    if (who->drop && ::chown(tmpl.c_str(), who->uid, who->gid) != 0)
        return fail(Errc::Io, "chown " + tmpl + " to nobody: " + errno_text(errno));

    const fs::path data = c->dir_ / "data";
    auto initdb = run_logged({(c->bindir_ / "initdb").string(), "-D", data.string(), "-U", kAdmin, "--auth=trust",
                              "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                             c->dir_ / "initdb.log", c->dir_, *who);
    if (!initdb.ok()) return fail(initdb.take_error());
    if (*initdb != 0)
        return fail(Errc::Io, "initdb " + exit_text(*initdb) + " (as " + (who->drop ? "nobody" : "the caller") +
                                  ")" + logs_text(c->dir_, {"initdb.log"}));

    {
        std::ofstream conf(data / "postgresql.conf", std::ios::app);
        conf << "\n# fax::test::PgCluster: Unix socket only, in the cluster's directory; no durability\n"
             << "listen_addresses = ''\n"
             << "unix_socket_directories = " << conf_value(c->dir_.string()) << "\n"
             << "port = " << c->port_ << "\n"
             << "fsync = off\n"
             << "synchronous_commit = off\n"
             << "full_page_writes = off\n";
        if (!conf.flush()) return fail(Errc::Io, "cannot append to " + (data / "postgresql.conf").string());
    }

    FAX_TRY(c->pg_ctl_start());
    return c;
}

Status PgCluster::pg_ctl_start() {
    auto who = server_identity();
    if (!who.ok()) return fail(who.take_error());
    const fs::path data = dir_ / "data";
    auto rc = run_logged({(bindir_ / "pg_ctl").string(), "-D", data.string(), "-l", (dir_ / "server.log").string(),
                          "-w", "-t", "30", "-s", "start"},
                         dir_ / "pg_ctl.log", dir_, *who);
    if (!rc.ok()) return fail(rc.take_error());
    if (*rc != 0)
        return fail(Errc::Io, "pg_ctl start " + exit_text(*rc) + logs_text(dir_, {"pg_ctl.log", "server.log"}));
    running_ = true;

    // pg_ctl -w returns once the postmaster reports ready; check that a client gets in.
    const std::string ci = conninfo();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (PQping(ci.c_str()) != PQPING_OK) {
        if (std::chrono::steady_clock::now() > deadline)
            return fail(Errc::Timeout, "the server started but accepts no connection within 10 s" +
                                           logs_text(dir_, {"server.log"}));
        std::this_thread::sleep_for(10ms);
    }
    return {};
}

PgCluster::~PgCluster() {
    // A child forked by a multi-process test holds a copy of the object: only the process
    // that started the cluster tears it down.
    if (::getpid() != owner_) return;
    if (running_) {
        auto who = server_identity();
        auto rc = who.ok() ? run_logged({(bindir_ / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m",
                                         "immediate", "-w", "-t", "30", "-s", "stop"},
                                        dir_ / "pg_ctl.log", dir_, *who)
                           : Result<int>(fail(who.take_error()));
        if (!rc.ok() || *rc != 0) {
            // pg_ctl could not do it: SIGQUIT is the postmaster's own immediate shutdown.
            if (auto pid = postmaster_pid(dir_ / "data")) ::kill(*pid, SIGQUIT);
        }
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PgCluster::conninfo(std::string_view dbname, std::string_view user) const {
    return "host=" + conn_value(dir_.string()) + " port=" + std::to_string(port_) + " dbname=" + conn_value(dbname) +
           " user=" + conn_value(user);
}

std::string PgCluster::url(std::string_view dbname, std::string_view user) const {
    return "postgresql:///" + percent_encode(dbname) + "?host=" + percent_encode(dir_.string()) +
           "&port=" + std::to_string(port_) + "&user=" + percent_encode(user);
}

Result<PgConnPtr> PgCluster::connect(std::string_view dbname, std::string_view user) const {
    PgConnPtr conn(PQconnectdb(conninfo(dbname, user).c_str()));
    if (!conn) return fail(Errc::Io, "libpq could not allocate a connection");
    if (PQstatus(conn.get()) != CONNECTION_OK)
        return fail(Errc::Disconnected, "connecting to the test cluster: " + trimmed(PQerrorMessage(conn.get())));
    return conn;
}

Status PgCluster::stop() {
    if (!running_) return {};
    auto who = server_identity();
    if (!who.ok()) return fail(who.take_error());
    auto rc = run_logged({(bindir_ / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m", "fast", "-w", "-t",
                          "30", "-s", "stop"},
                         dir_ / "pg_ctl.log", dir_, *who);
    if (!rc.ok()) return fail(rc.take_error());
    if (*rc != 0) return fail(Errc::Io, "pg_ctl stop " + exit_text(*rc) + logs_text(dir_, {"pg_ctl.log", "server.log"}));
    running_ = false;
    return {};
}

Status PgCluster::restart() {
    FAX_TRY(stop());
    return pg_ctl_start();
}

namespace {
Status exec_on(PGconn* conn, const std::string& sql) {
    PgResultPtr res(PQexec(conn, sql.c_str()));
    const auto st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        return fail(Errc::InvalidArgument, "test SQL failed: " + trimmed(PQerrorMessage(conn)));
    return {};
}

// `name` as a quoted SQL identifier (libpq's escaping for the connection's encoding).
Result<std::string> identifier(PGconn* conn, std::string_view name) {
    if (name.empty()) return fail(Errc::InvalidArgument, "an empty SQL identifier");
    PgStringPtr quoted(PQescapeIdentifier(conn, name.data(), name.size()));
    if (!quoted) return fail(Errc::InvalidArgument, "not a valid SQL identifier: " + trimmed(PQerrorMessage(conn)));
    return std::string(quoted.get());
}
}  // namespace

Status PgCluster::exec(std::string_view sql, std::string_view dbname) {
    auto conn = connect(dbname, kAdmin);
    if (!conn.ok()) return fail(conn.take_error());
    return exec_on(conn->get(), std::string(sql));
}

Status PgCluster::create_database(std::string_view name) {
    auto conn = connect("postgres", kAdmin);
    if (!conn.ok()) return fail(conn.take_error());
    auto ident = identifier(conn->get(), name);
    if (!ident.ok()) return fail(ident.take_error());
    return exec_on(conn->get(), "CREATE DATABASE " + *ident);
}

Status PgCluster::create_role(std::string_view role) {
    auto conn = connect("postgres", kAdmin);
    if (!conn.ok()) return fail(conn.take_error());
    auto ident = identifier(conn->get(), role);
    if (!ident.ok()) return fail(ident.take_error());
    return exec_on(conn->get(), "CREATE ROLE " + *ident + " LOGIN");
}

}  // namespace fax::test
