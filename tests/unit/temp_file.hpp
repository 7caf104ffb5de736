// A file of the test's own under the temporary directory, removed when it goes.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace bgpemu::test {

struct TempFile {
    std::filesystem::path path;
    // `tag` keeps two files of one test apart; the pid, two tests run side by side.
    explicit TempFile(const std::string& text, const std::string& tag = "design")
        : path(std::filesystem::temp_directory_path() / ("bgpemu-" + tag + "-" + std::to_string(::getpid()) + ".yaml")) {
        std::ofstream(path) << text;
    }
    ~TempFile() { std::filesystem::remove(path); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
};

}  // namespace bgpemu::test
