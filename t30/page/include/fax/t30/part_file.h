// PartFile: a received document is written under `<path>.part`, privately, and moved to
// `<path>` only when the call has ended with pages. The file is created mode 0600
// (whatever the umask), exclusively and without following a symbolic link, before the
// writer — libtiff inside SpanDSP's T.4 receiver, which opens it by name and keeps the
// file's mode — touches it: nobody else can read a record while it is being received,
// and no half-written fax ever appears under the final name.
#pragma once

#include <sys/types.h>

#include <string>

#include "fax/base/result.h"
#include "fax/base/unique_fd.h"

namespace fax::t30 {

class PartFile {
public:
    // Creates `<final_path>.part` (0600). A leftover `.part` of an interrupted receive to
    // the same path is removed first (a symbolic link there is removed, never followed).
    // Io with errno's reason if the file cannot be created.
    static Result<PartFile> create(const std::string& final_path);
    // Removes the `.part` file unless it was committed.
    ~PartFile();
    PartFile(PartFile&& other) noexcept;
    PartFile& operator=(PartFile&& other) noexcept;
    PartFile(const PartFile&) = delete;
    PartFile& operator=(const PartFile&) = delete;

    const std::string& part_path() const { return part_path_; }
    const std::string& final_path() const { return final_path_; }
    bool committed() const { return committed_; }

    // Renames `.part` to the final path (replacing a file there). Io if the `.part` file
    // is gone or is no longer the file created here (something replaced it): then nothing
    // is renamed.
    Status commit();
    // Removes the `.part` file now (if it is still the one created here).
    void discard();

private:
    PartFile(std::string final_path, std::string part_path, UniqueFd fd, dev_t dev, ino_t ino);
    bool still_ours() const;

    std::string final_path_;
    std::string part_path_;
    UniqueFd fd_;  // kept open: the identity of the file created here
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    bool committed_ = false;
    bool settled_ = false;  // committed or discarded (or moved from): nothing more to do
};

}  // namespace fax::t30
