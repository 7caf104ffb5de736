// Real processes for integration tests: start them, query them, and always clean up.
//
// Every wait is bounded (wait_until with a deadline, never a fixed sleep), and every
// process started here is killed and reaped when its ChildProcess goes out of scope,
// also when a test fails half-way.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bgpemu::test {

class ChildProcess {
public:
    ChildProcess() = default;
    // Starts `argv[0]` (a path) with `argv`; stdout and stderr go to `log_file`.
    ChildProcess(std::vector<std::string> argv, const std::filesystem::path& log_file);
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] bool running();
    void signal(int signal_number) const;
    // SIGTERM, then SIGKILL if it has not exited within `grace`; reaps it.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
    // Exit status once it has exited (waits up to `timeout`); nullopt if still running.
    [[nodiscard]] std::optional<int> wait_exit(std::chrono::milliseconds timeout);

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

struct CommandResult {
    int exit_code = -1;  // -1 when it timed out or could not start
    std::string output;  // stdout and stderr together
};

// Runs a command to completion (bounded by `timeout`) and captures its output.
[[nodiscard]] CommandResult run_command(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

// Polls `condition` every `interval` until it holds or `timeout` passes.
[[nodiscard]] bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                              std::chrono::milliseconds interval = std::chrono::milliseconds(100));

// A fresh directory under the system temp dir, removed with everything in it on scope exit.
class TempDir {
public:
    explicit TempDir(const std::string& prefix);
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

// Whether an executable exists (absolute path, or found on PATH).
[[nodiscard]] std::optional<std::filesystem::path> find_executable(const std::string& name);

// Reads a whole file; empty when missing.
[[nodiscard]] std::string read_file(const std::filesystem::path& path);
// How often `needle` occurs in `text` (a log, say), without overlaps.
[[nodiscard]] unsigned count_occurrences(const std::string& text, const std::string& needle);
void write_file(const std::filesystem::path& path, const std::string& contents);

// A TCP port no other test of this run is likely to use: derived from the process id so
// that ctest -j runs do not collide, plus `offset`.
[[nodiscard]] unsigned short test_port(unsigned offset);

// Writes `bytes` as they are on the Unix socket at `socket_path` and returns the first
// reply line (without its newline; empty when none came within 10 s, "connect failed"
// when nothing listens). For requests bgpemuctl would not send: bad JSON, long lines.
[[nodiscard]] std::string unix_socket_exchange(const std::filesystem::path& socket_path, const std::string& bytes);

}  // namespace bgpemu::test
