// Catch2 main for the integration tests that need outside BGP implementations: exits 77
// (CTest reports it as skipped) when one is not installed, so a machine without them
// says "skipped", never "passed". Compiled once per set of peers: by default FRR and
// BIRD; with BGPEMU_NEEDS_GOBGP_EXABGP, GoBGP and ExaBGP; with BGPEMU_NEEDS_TCP_MD5,
// FRR and BIRD on a kernel that takes TCP-MD5 keys (TCP_MD5SIG, CONFIG_TCP_MD5SIG); with
// BGPEMU_NEEDS_ROOT, no outside router but a run as root (to test dropping privileges),
// and with BGPEMU_NEEDS_NETNS too, one where network namespaces can be created; with
// BGPEMU_NEEDS_BGPDUMP, bgpdump (to read MRT files); with BGPEMU_NEEDS_PMBMPD_TSHARK,
// pmacct's pmbmpd and tshark (a BMP station and a BMP dissector).
#include "catch_session.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

#ifdef BGPEMU_NEEDS_ROOT
#include <unistd.h>
#endif
#ifdef BGPEMU_NEEDS_TCP_MD5
#include "tcp_md5_probe.hpp"
#endif

#ifdef BGPEMU_NEEDS_GOBGP_EXABGP
#include "peers_more.hpp"
#else
#include "routers.hpp"
#endif

int main(int argc, char** argv) {
#if defined(BGPEMU_NEEDS_ROOT)
    if (::geteuid() != 0) {
        std::cout << "SKIP: this test needs root (dropping privileges, network namespaces)\n";
        return 77;
    }
#if defined(BGPEMU_NEEDS_NETNS)
    // Probed with the commands the test uses: a container may refuse them even to root.
    const std::string probe = "bgpemu-probe-" + std::to_string(::getpid());
    if (std::system(("ip netns add " + probe + " >/dev/null 2>&1").c_str()) != 0) {
        std::cout << "SKIP: cannot create network namespaces here (ip netns add failed)\n";
        return 77;
    }
    (void)std::system(("ip netns del " + probe + " >/dev/null 2>&1").c_str());
#endif
#elif defined(BGPEMU_NEEDS_BGPDUMP)
    if (std::system("command -v bgpdump >/dev/null 2>&1") != 0) {
        std::cout << "SKIP: bgpdump is not installed; install it with: bash contrib/scripts/deps.sh test\n";
        return 77;
    }
#elif defined(BGPEMU_NEEDS_PMBMPD_TSHARK)
    if (std::system("{ command -v pmbmpd || test -x /usr/sbin/pmbmpd; } >/dev/null 2>&1 && command -v tshark >/dev/null 2>&1") != 0) {
        std::cout << "SKIP: pmbmpd (Debian's pmacct) or tshark is not installed; install them with: bash contrib/scripts/deps.sh test\n";
        return 77;
    }
#elif defined(BGPEMU_NEEDS_GOBGP_EXABGP)
    if (!bgpemu::test::gobgpd_path() || !bgpemu::test::gobgp_cli_path() || !bgpemu::test::exabgp_path()) {
        std::cout << "SKIP: GoBGP (gobgpd, gobgp) or ExaBGP (exabgp) is not installed; "
                     "install them with: bash contrib/scripts/deps.sh test\n";
        return 77;
    }
#else
    if (!bgpemu::test::frr_bgpd_path() || !bgpemu::test::bird_path()) {
        std::cout << "SKIP: FRR (/usr/lib/frr/bgpd) or BIRD (bird) is not installed; "
                     "install them with: bash contrib/scripts/deps.sh test\n";
        return 77;
    }
#endif
#ifdef BGPEMU_NEEDS_TCP_MD5
    if (const auto refusal = bgpemu::test::tcp_md5_refusal(); !refusal.empty()) {
        std::cout << "SKIP: this kernel does not take TCP-MD5 keys (" << refusal
                  << "); TCP-MD5 sessions (RFC 2385) cannot be tested here\n";
        return 77;
    }
#endif
    return bgpemu::test::run_catch_session(argc, argv);
}
