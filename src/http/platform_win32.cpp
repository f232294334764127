// src/http/platform_win32.cpp — the HTTP layer's file seam on Windows: CreateFileW,
// GetFileInformationByHandle, and the target resolver. Windows has no openat(): the resolver
// builds each component's path under the root's final path (\\?\ form, so Win32 name rewriting
// never applies), opens it with FILE_FLAG_OPEN_REPARSE_POINT and refuses any reparse point
// (symbolic links, junctions, mount points). The directories on the way are held open without
// FILE_SHARE_DELETE until the file is open, so none of them can be renamed or replaced meanwhile.
#include "platform.hpp"

#include <boost/system/errc.hpp>

#include <cstring>
#include <string_view>

#include <windows.h>

namespace zerocopy::http {

void unique_file::reset(native_file_handle h) noexcept {
    if (is_open()) ::CloseHandle(h_);
    h_ = h;
}

namespace detail {
namespace {

boost::system::error_code win32_error(DWORD e) {
    return boost::system::error_code(static_cast<int>(e), boost::system::system_category());
}

// UTF-8 to UTF-16; false for bytes that are not UTF-8.
bool widen(std::string_view s, std::wstring& out) {
    out.clear();
    if (s.empty()) return true;
    int const n = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()),
                                        nullptr, 0);
    if (n <= 0) return false;
    out.resize(static_cast<std::size_t>(n));
    return ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()),
                                 out.data(), n) == n;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
        if (x != y) return false;
    }
    return true;
}

// CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM0-9, LPT0-9 (and COM/LPT with a superscript 1, 2 or 3),
// whatever follows a dot and with spaces before it: Win32 maps all of them to devices.
bool reserved_device(std::string_view seg) {
    std::string_view base = seg.substr(0, seg.find('.'));
    while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
    for (char const* name : {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"})
        if (iequals_ascii(base, name)) return true;
    if (base.size() < 4) return false;
    std::string_view const prefix = base.substr(0, 3);
    if (!iequals_ascii(prefix, "COM") && !iequals_ascii(prefix, "LPT")) return false;
    std::string_view const rest = base.substr(3);
    return (rest.size() == 1 && rest[0] >= '0' && rest[0] <= '9') || rest == "\xC2\xB9" ||
           rest == "\xC2\xB2" || rest == "\xC2\xB3";
}

// The Windows rules on top of decode_target's: no character Windows forbids in a name (':' also
// names drives and alternate data streams), no trailing dot or space (Win32 would strip them), no
// device name.
bool name_allowed(std::string_view seg) {
    for (char const c : seg) {
        auto const u = static_cast<unsigned char>(c);
        if (u < 0x20 || std::strchr("<>:\"|?*\\/", c) != nullptr) return false;
    }
    if (seg.empty() || seg.back() == '.' || seg.back() == ' ') return false;
    return !reserved_device(seg);
}

resolve_status failure_of(DWORD e) {
    switch (e) {
        case ERROR_FILE_NOT_FOUND:
        case ERROR_PATH_NOT_FOUND:
        case ERROR_INVALID_NAME:
        case ERROR_BAD_PATHNAME:
        case ERROR_FILENAME_EXCED_RANGE:
        case ERROR_DIRECTORY:
            return resolve_status::not_found;
        case ERROR_ACCESS_DENIED:
        case ERROR_CANT_ACCESS_FILE:
            return resolve_status::forbidden;
        default:
            return resolve_status::error;
    }
}

constexpr std::int64_t filetime_of_unix_epoch = 116444736000000000;  // 100 ns ticks, 1601 to 1970

boost::system::error_code describe(HANDLE h, BY_HANDLE_FILE_INFORMATION& fi, file_status& st) {
    ::SetLastError(NO_ERROR);
    DWORD const type = ::GetFileType(h);
    if (type == FILE_TYPE_UNKNOWN && ::GetLastError() != NO_ERROR) return win32_error(::GetLastError());
    if (!::GetFileInformationByHandle(h, &fi)) {
        if (type != FILE_TYPE_DISK) {  // a console, a pipe: nothing to serve, nothing to describe
            st = file_status();
            return {};
        }
        return win32_error(::GetLastError());
    }
    st.kind = type != FILE_TYPE_DISK                                  ? file_status::other
              : (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0 ? file_status::directory
                                                                      : file_status::regular;
    st.size = (std::uint64_t(fi.nFileSizeHigh) << 32) | fi.nFileSizeLow;
    std::int64_t const ticks = static_cast<std::int64_t>(
        (std::uint64_t(fi.ftLastWriteTime.dwHighDateTime) << 32) | fi.ftLastWriteTime.dwLowDateTime);
    st.mtime_ns = (ticks - filetime_of_unix_epoch) * 100;
    st.file_id = (std::uint64_t(fi.nFileIndexHigh) << 32) | fi.nFileIndexLow;
    return {};
}

// The root's path as the system resolved it (\\?\C:\... or \\?\UNC\...), without a trailing '\'.
DWORD final_path(HANDLE root, std::wstring& out) {
    out.assign(512, L'\0');
    for (;;) {
        DWORD const n = ::GetFinalPathNameByHandleW(root, out.data(), static_cast<DWORD>(out.size()),
                                                    FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
        if (n == 0) return ::GetLastError();
        if (n < out.size()) {
            out.resize(n);
            break;
        }
        out.assign(n + 1, L'\0');
    }
    if (!out.empty() && out.back() == L'\\') out.pop_back();
    return NO_ERROR;
}

located fail(resolve_status status, DWORD e) {
    located r;
    r.failure = status;
    r.ec = win32_error(e);
    return r;
}

constexpr DWORD share_all_but_delete = FILE_SHARE_READ | FILE_SHARE_WRITE;

resolver_hooks hooks;
constexpr DWORD share_read_delete = FILE_SHARE_READ | FILE_SHARE_DELETE;

}  // namespace

resolver_hooks& test_hooks() noexcept {
    return hooks;
}

boost::system::error_code query_file(native_file_handle file, file_status& st) noexcept {
    BY_HANDLE_FILE_INFORMATION fi{};
    return describe(file, fi, st);
}

unique_file open_for_reading(char const* path, file_status& st, boost::system::error_code& ec) {
    std::wstring w;
    if (!widen(path, w)) {
        ec = win32_error(ERROR_NO_UNICODE_TRANSLATION);
        return unique_file();
    }
    // Backup semantics: a directory opens too, and is then reported as not a regular file.
    unique_file h(::CreateFileW(w.c_str(), GENERIC_READ, share_read_delete, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
    if (!h) {
        ec = win32_error(::GetLastError());
        return h;
    }
    BY_HANDLE_FILE_INFORMATION fi{};
    ec = describe(h.get(), fi, st);
    if (ec) h.reset();
    return h;
}

unique_file open_root(std::string const& path, boost::system::error_code& ec) {
    std::wstring w;
    if (!widen(path, w)) {
        ec = win32_error(ERROR_NO_UNICODE_TRANSLATION);
        return unique_file();
    }
    unique_file h(::CreateFileW(w.c_str(), FILE_READ_ATTRIBUTES, share_all_but_delete, nullptr, OPEN_EXISTING,
                                FILE_FLAG_BACKUP_SEMANTICS, nullptr));
    if (!h) {
        ec = win32_error(::GetLastError());
        return h;
    }
    file_status st;
    BY_HANDLE_FILE_INFORMATION fi{};
    ec = describe(h.get(), fi, st);
    if (!ec && st.kind != file_status::directory) ec = win32_error(ERROR_DIRECTORY);
    if (ec) h.reset();
    return h;
}

located locate(native_file_handle root, std::vector<std::string> const& segments, resolver_kind kind) {
    if (kind == resolver_kind::openat2) {
        located r;
        r.ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
        return r;
    }
    // Names first: a name Windows would reinterpret is a bad request whatever is on the disk.
    std::vector<std::wstring> names(segments.size());
    for (std::size_t i = 0; i < segments.size(); ++i)
        if (!name_allowed(segments[i]) || !widen(segments[i], names[i]))
            return fail(resolve_status::bad_request, ERROR_INVALID_NAME);

    std::wstring path;
    if (DWORD const e = final_path(root, path); e != NO_ERROR) return fail(resolve_status::error, e);
    std::vector<unique_file> held;  // the directories entered, not renamable while held
    located r;
    r.st.kind = file_status::directory;  // no segment: the root itself
    for (std::size_t i = 0; i < names.size(); ++i) {
        path += L'\\';
        path += names[i];
        unique_file h(::CreateFileW(path.c_str(), FILE_READ_ATTRIBUTES, share_all_but_delete, nullptr,
                                    OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                                    nullptr));
        if (!h) {
            DWORD const e = ::GetLastError();
            return fail(failure_of(e), e);
        }
        BY_HANDLE_FILE_INFORMATION fi{};
        if (auto const ec = describe(h.get(), fi, r.st)) return fail(resolve_status::error, ec.value());
        // Links are never followed: a symbolic link or junction anywhere on the path is refused.
        if ((fi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0)
            return fail(resolve_status::forbidden, ERROR_CANT_ACCESS_FILE);
        bool const last = i + 1 == names.size();
        if (r.st.kind == file_status::directory) {
            if (last)
                r.file = std::move(h);
            else
                held.push_back(std::move(h));
            continue;
        }
        if (!last) return fail(resolve_status::not_found, ERROR_DIRECTORY);  // "/file/x"
        if (r.st.kind != file_status::regular) return r;
        // Open the file for reading from the handle examined: `h` does not share delete, so the file
        // cannot have been renamed or replaced since it was examined, and no name is looked up again.
        if (hooks.between_opens) hooks.between_opens(hooks.context);
        unique_file f(::ReOpenFile(h.get(), GENERIC_READ, share_read_delete, FILE_FLAG_OPEN_REPARSE_POINT));
        if (!f) {
            DWORD const e = ::GetLastError();
            return fail(failure_of(e), e);
        }
        BY_HANDLE_FILE_INFORMATION fi2{};
        if (auto const ec = describe(f.get(), fi2, r.st)) return fail(resolve_status::error, ec.value());
        if (r.st.kind != file_status::regular) return fail(resolve_status::error, ERROR_INVALID_HANDLE);
        r.file = std::move(f);
    }
    return r;
}

// --- Issue 13: the open-file cache's seam: Windows has no inotify, the cache keeps nothing and every
// request resolves afresh (ReadDirectoryChangesW would need an event loop behind serve_file).

unique_file open_change_queue(boost::system::error_code& ec) noexcept {
    ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
    return unique_file();
}
int add_change_watch(native_file_handle, native_file_handle, boost::system::error_code& ec) noexcept {
    ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
    return -1;
}
void remove_change_watch(native_file_handle, int) noexcept {}
bool read_changes(native_file_handle, std::vector<change_event>&) noexcept {
    return false;
}
bool is_notifying_file_system(native_file_handle) noexcept {
    return false;
}
unique_file open_path_no_symlinks(native_file_handle, std::vector<std::string> const&, std::size_t,
                                  file_status&, boost::system::error_code& ec) noexcept {
    ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
    return unique_file();
}

}  // namespace detail
}  // namespace zerocopy::http
