#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bgpemu::test {

namespace {

std::vector<char*> to_c_argv(std::vector<std::string>& argv) {
    std::vector<char*> out;
    out.reserve(argv.size() + 1);
    for (auto& arg : argv) out.push_back(arg.data());
    out.push_back(nullptr);
    return out;
}

std::optional<int> try_reap(pid_t pid, bool block) {
    int status = 0;
    const pid_t result = waitpid(pid, &status, block ? 0 : WNOHANG);
    if (result == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (result < 0 && errno == ECHILD) return -1;
    return std::nullopt;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, const std::filesystem::path& log_file) {
    if (argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
    const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("ChildProcess: cannot open log " + log_file.string());
    auto c_argv = to_c_argv(argv);
    pid_ = fork();
    if (pid_ < 0) {
        ::close(log_fd);
        throw std::runtime_error("ChildProcess: fork failed");
    }
    if (pid_ == 0) {
        // Child: its own process group, so a stop() reaches helpers it forks too.
        setpgid(0, 0);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        dup2(null_fd, STDIN_FILENO);
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        execv(c_argv[0], c_argv.data());
        _exit(127);
    }
    ::close(log_fd);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), status_(other.status_) {
    other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        stop();
        pid_ = other.pid_;
        status_ = other.status_;
        other.pid_ = -1;
    }
    return *this;
}

ChildProcess::~ChildProcess() { stop(); }

bool ChildProcess::running() {
    if (pid_ <= 0 || status_) return false;
    status_ = try_reap(pid_, false);
    return !status_;
}

void ChildProcess::signal(int signal_number) const {
    if (pid_ > 0) ::kill(pid_, signal_number);
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0 || status_) return;
    ::kill(pid_, SIGCONT);  // a SIGSTOPped peer must be able to die
    ::kill(pid_, SIGTERM);
    if (!wait_exit(grace)) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        status_ = try_reap(pid_, true);
    }
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    if (status_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        status_ = try_reap(pid_, false);
        if (status_) return status_;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    CommandResult result;
    if (argv.empty()) return result;
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return result;
    std::vector<std::string> args = argv;
    auto c_argv = to_c_argv(args);
    const pid_t pid = fork();
    if (pid < 0) {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        return result;
    }
    if (pid == 0) {
        const int null_fd = ::open("/dev/null", O_RDONLY);
        dup2(null_fd, STDIN_FILENO);
        dup2(pipe_fds[1], STDOUT_FILENO);
        dup2(pipe_fds[1], STDERR_FILENO);
        execvp(c_argv[0], c_argv.data());
        _exit(127);
    }
    ::close(pipe_fds[1]);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    bool timed_out = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                 std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd fd{pipe_fds[0], POLLIN, 0};
        const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (n <= 0) break;
        result.output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
    if (timed_out) {
        ::kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        result.exit_code = -1;
        return result;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(interval);
    }
}

TempDir::TempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
    // FRR's bgpd may drop privileges to its own user even with -S; let it write here.
    std::filesystem::permissions(path_, std::filesystem::perms::all);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::optional<std::filesystem::path> find_executable(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        if (::access(name.c_str(), X_OK) == 0) return std::filesystem::path(name);
        return std::nullopt;
    }
    const char* path_env = std::getenv("PATH");
    std::string path = path_env ? path_env : "/usr/bin:/bin";
    path += ":/usr/sbin:/sbin:/usr/lib/frr";
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const auto candidate = std::filesystem::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

unsigned count_occurrences(const std::string& text, const std::string& needle) {
    unsigned count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
    return count;
}

void write_file(const std::filesystem::path& path, const std::string& contents) {
    std::ofstream out(path);
    out << contents;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

unsigned short test_port(unsigned offset) {
    // 100 ports per process: the tests use offsets up to 31, and CTest starts them side
    // by side with neighbouring process ids, whose ranges must not overlap.
    const unsigned base = 20000 + (static_cast<unsigned>(getpid()) % 450) * 100;
    return static_cast<unsigned short>(base + offset);
}

std::string unix_socket_exchange(const std::filesystem::path& socket_path, const std::string& bytes) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return {};
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return "connect failed";
    }
    for (std::size_t sent = 0; sent < bytes.size();) {
        const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the daemon may close early on an oversized line; read its reply
        sent += static_cast<std::size_t>(n);
    }
    std::string reply;
    char buffer[4096];
    while (reply.find('\n') == std::string::npos) {
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        reply.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply.substr(0, reply.find('\n'));
}

}  // namespace bgpemu::test
