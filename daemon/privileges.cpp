#include "daemon/privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace bgpemu::daemon {

namespace {

std::string failed(const std::string& step) { return step + ": " + std::strerror(errno); }

// The kernel's capset(2), without libcap: one 64-bit set as two 32-bit words.
bool set_capabilities(std::uint64_t permitted, std::uint64_t effective) {
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    __user_cap_data_struct data[2]{};
    data[0].permitted = static_cast<std::uint32_t>(permitted);
    data[1].permitted = static_cast<std::uint32_t>(permitted >> 32);
    data[0].effective = static_cast<std::uint32_t>(effective);
    data[1].effective = static_cast<std::uint32_t>(effective >> 32);
    return ::syscall(SYS_capset, &header, data) == 0;
}

}  // namespace

std::optional<std::string> drop_privileges(const std::string& user, const std::string& group,
                                           const std::filesystem::path& admin_socket, DroppedPrivileges& dropped) {
    if (::geteuid() != 0) return "not running as root, so there are no privileges to drop to user '" + user + "'";
    errno = 0;
    const passwd* account = ::getpwnam(user.c_str());
    if (account == nullptr) return "no such user '" + user + "' (daemon.user)";
    const uid_t uid = account->pw_uid;
    gid_t gid = account->pw_gid;
    if (!group.empty()) {
        const struct group* entry = ::getgrnam(group.c_str());
        if (entry == nullptr) return "no such group '" + group + "' (daemon.group)";
        gid = entry->gr_gid;
    }
    if (uid == 0) return "daemon.user '" + user + "' is root itself";

    if (!admin_socket.empty() && ::chown(admin_socket.c_str(), uid, gid) != 0)
        return failed("chown " + admin_socket.string());

    // Shrink the bounding set while we still may (CAP_SETPCAP), so not even an exec of a
    // set-uid program could bring the other capabilities back.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
        if (cap != CAP_NET_BIND_SERVICE && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            return failed("dropping capability " + std::to_string(cap) + " from the bounding set");

    // Keep the permitted set across setuid(), then cut it down to the one we need.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return failed("prctl(PR_SET_KEEPCAPS)");
    if (::setgroups(1, &gid) != 0) return failed("setgroups");
    if (::setresgid(gid, gid, gid) != 0) return failed("setresgid");
    if (::setresuid(uid, uid, uid) != 0) return failed("setresuid");
    const std::uint64_t bind_service = std::uint64_t{1} << CAP_NET_BIND_SERVICE;
    if (!set_capabilities(bind_service, bind_service)) return failed("capset(CAP_NET_BIND_SERVICE)");
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return failed("prctl(PR_SET_KEEPCAPS, 0)");
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed("prctl(PR_SET_NO_NEW_PRIVS)");

    // Proof rather than trust: root must be out of reach now.
    if (::setuid(0) == 0 || ::getuid() != uid || ::geteuid() != uid || ::getegid() != gid)
        return "the switch to user '" + user + "' did not take";
    dropped.uid = uid;
    dropped.gid = gid;
    return std::nullopt;
}

}  // namespace bgpemu::daemon
