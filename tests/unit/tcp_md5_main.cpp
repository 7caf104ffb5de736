// Catch2 main for tcp_md5_test: exits 77, which CTest reports as skipped
// (SKIP_RETURN_CODE), on a kernel that takes no TCP-MD5 keys.
#include <iostream>

#include "catch_session.hpp"
#include "tcp_md5_probe.hpp"

int main(int argc, char** argv) {
    if (const auto refusal = bgpemu::test::tcp_md5_refusal(); !refusal.empty()) {
        std::cout << "SKIP: this kernel does not take TCP-MD5 keys (" << refusal
                  << "); RFC 2385 signatures cannot be tested here\n";
        return 77;
    }
    return bgpemu::test::run_catch_session(argc, argv);
}
