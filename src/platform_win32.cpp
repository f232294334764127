//
// Windows part of the platform seam: TransmitFile, ReadFile at explicit offsets, file checks.
//
// The asynchronous driver starts TransmitFile on an OVERLAPPED of asio::windows::overlapped_ptr
// (overlapped_send::start, which also takes one of the client editions' two TransmitFile slots);
// the completion comes through the io_context's completion port. The
// blocking twin uses native_send, which waits on an event whose low bit is set, so that no
// completion packet reaches the port the socket is bound to.
//
#include <zerocopy/detail/platform.hpp>

#if defined(_WIN32)

#include <zerocopy/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/errc.hpp>

#include <atomic>
#include <cstdint>
#include <utility>

#include <winsock2.h>
#include <mswsock.h>
#include <windows.h>

namespace zerocopy {
namespace detail {

namespace {

boost::system::error_code win32_error(DWORD e) noexcept {
    return boost::system::error_code(static_cast<int>(e), boost::system::system_category());
}

// One manual-reset event per thread for the synchronous waits (ReadFile, the blocking twin's
// TransmitFile). Its low bit is set in OVERLAPPED::hEvent: no completion packet is queued even
// when the handle is bound to a completion port (an asio::random_access_file, any socket).
class thread_event {
public:
    thread_event() noexcept : h_(::CreateEventW(nullptr, TRUE, FALSE, nullptr)) {}
    ~thread_event() {
        if (h_) ::CloseHandle(h_);
    }
    thread_event(thread_event const&) = delete;
    thread_event& operator=(thread_event const&) = delete;
    HANDLE get() const noexcept { return h_; }
    HANDLE for_overlapped() const noexcept {
        return reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(h_) | 1);
    }

private:
    HANDLE h_;
};

thread_event& this_thread_event() {
    thread_local thread_event e;
    return e;
}

void set_offset(OVERLAPPED& ov, std::uint64_t offset) noexcept {
    ov.Offset = static_cast<DWORD>(offset & 0xffffffffu);
    ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
}

// A ReadFile with an OVERLAPPED offset on a handle opened for synchronous I/O still moves the
// file pointer. The pointer is saved and put back around each read; the reads on one handle are
// serialised (by stripes of handle values) so that two transfers sharing a handle cannot
// interleave their save and restore.
SRWLOCK position_locks[16] = {SRWLOCK_INIT, SRWLOCK_INIT, SRWLOCK_INIT, SRWLOCK_INIT,
                              SRWLOCK_INIT, SRWLOCK_INIT, SRWLOCK_INIT, SRWLOCK_INIT,
                              SRWLOCK_INIT, SRWLOCK_INIT, SRWLOCK_INIT, SRWLOCK_INIT,
                              SRWLOCK_INIT, SRWLOCK_INIT, SRWLOCK_INIT, SRWLOCK_INIT};

class position_keeper {
public:
    explicit position_keeper(HANDLE file) noexcept
        : file_(file), lock_(&position_locks[(reinterpret_cast<std::uintptr_t>(file) >> 2) % 16]) {
        ::AcquireSRWLockExclusive(lock_);
        LARGE_INTEGER zero{};
        saved_ok_ = ::SetFilePointerEx(file_, zero, &saved_, FILE_CURRENT) != 0;
    }
    ~position_keeper() {
        if (saved_ok_) ::SetFilePointerEx(file_, saved_, nullptr, FILE_BEGIN);
        ::ReleaseSRWLockExclusive(lock_);
    }
    position_keeper(position_keeper const&) = delete;
    position_keeper& operator=(position_keeper const&) = delete;

private:
    HANDLE file_;
    PSRWLOCK lock_;
    LARGE_INTEGER saved_{};
    bool saved_ok_ = false;
};

// TransmitFile on client editions of Windows: two calls at a time system-wide, the rest queue.
std::atomic<int> transmit_in_flight{0};
constexpr int client_transmit_limit = 2;

bool is_client_edition() noexcept {
    static bool const client = [] {
        OSVERSIONINFOEXW v{};
        v.dwOSVersionInfoSize = sizeof v;
        v.wProductType = VER_NT_WORKSTATION;
        DWORDLONG const mask = ::VerSetConditionMask(0, VER_PRODUCT_TYPE, VER_EQUAL);
        return ::VerifyVersionInfoW(&v, VER_PRODUCT_TYPE, mask) != FALSE;
    }();
    return client;
}

bool acquire_transmit_slot(bool refuse_when_busy) noexcept {
    if (!refuse_when_busy || !is_client_edition()) {
        transmit_in_flight.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    int n = transmit_in_flight.load(std::memory_order_relaxed);
    do {
        if (n >= client_transmit_limit) return false;
    } while (!transmit_in_flight.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    return true;
}

void release_transmit_slot() noexcept {
    transmit_in_flight.fetch_sub(1, std::memory_order_relaxed);
}

// Asio's translation of completion errors for socket sends (win_iocp_socket_send_op).
boost::system::error_code translate(boost::system::error_code ec) noexcept {
    if (ec.category() != boost::system::system_category()) return ec;
    switch (ec.value()) {
        case ERROR_NETNAME_DELETED:
            return boost::asio::error::connection_reset;
        case ERROR_PORT_UNREACHABLE:
            return boost::asio::error::connection_refused;
        default:
            return ec;
    }
}

bool is_invalid(HANDLE h) noexcept {
    return h == nullptr || h == INVALID_HANDLE_VALUE;
}

// GrantedAccess of a handle, through NtQueryObject (ntdll; looked up once, no import library).
struct object_basic_information {
    ULONG Attributes;
    ACCESS_MASK GrantedAccess;
    ULONG HandleCount;
    ULONG PointerCount;
    ULONG Reserved[10];
};
using nt_query_object_fn = LONG(WINAPI*)(HANDLE, int, void*, ULONG, ULONG*);

bool granted_access(HANDLE h, ACCESS_MASK& access) noexcept {
    static nt_query_object_fn const query = [] {
        HMODULE const ntdll = ::GetModuleHandleW(L"ntdll.dll");
        return ntdll ? reinterpret_cast<nt_query_object_fn>(
                           reinterpret_cast<void (*)()>(::GetProcAddress(ntdll, "NtQueryObject")))
                     : nullptr;
    }();
    if (!query) return false;
    object_basic_information info{};
    if (query(h, 0 /* ObjectBasicInformation */, &info, sizeof info, nullptr) < 0) return false;
    access = info.GrantedAccess;
    return true;
}

}  // namespace

boost::system::error_code inspect_file(native_file_handle file, std::uint64_t& size) noexcept {
    size = 0;
    if (is_invalid(file)) return boost::asio::error::bad_descriptor;
    ::SetLastError(NO_ERROR);
    DWORD const type = ::GetFileType(file);
    if (type == FILE_TYPE_UNKNOWN) {
        DWORD const e = ::GetLastError();
        if (e == ERROR_INVALID_HANDLE || e == NO_ERROR) return boost::asio::error::bad_descriptor;
        return win32_error(e);
    }
    if (type != FILE_TYPE_DISK) return error::not_a_regular_file;  // a pipe, a socket, a console
    FILE_STANDARD_INFO info{};
    if (!::GetFileInformationByHandleEx(file, FileStandardInfo, &info, sizeof info)) {
        DWORD const e = ::GetLastError();
        return e == ERROR_INVALID_HANDLE ? boost::system::error_code(boost::asio::error::bad_descriptor)
                                         : win32_error(e);
    }
    if (info.Directory) return error::not_a_regular_file;
    ACCESS_MASK access = 0;
    if (granted_access(file, access) && (access & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL)) == 0)
        return error::file_not_readable;
    size = static_cast<std::uint64_t>(info.EndOfFile.QuadPart);
    return {};
}

// Issue 13: no RWF_NOWAIT read here; the small-body path is never taken.
bool has_small_send() noexcept {
    return false;
}

bool has_native_send() noexcept {
    return true;
}

namespace {
TRANSMIT_FILE_BUFFERS* head_buffers(TRANSMIT_FILE_BUFFERS& b, void const* head,
                                    std::size_t head_size) noexcept {
    if (head_size == 0) return nullptr;
    b.Head = const_cast<void*>(head);
    b.HeadLength = static_cast<DWORD>(head_size);
    return &b;
}
}  // namespace

io_result native_send(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                      std::size_t count, void const* head, std::size_t head_size) noexcept {
    io_result r;
    if (count > transmit_file_max) count = transmit_file_max;
    thread_event& ev = this_thread_event();
    if (!ev.get()) {
        r.ec = win32_error(::GetLastError());
        return r;
    }
    OVERLAPPED ov{};
    set_offset(ov, offset);
    ov.hEvent = ev.for_overlapped();
    acquire_transmit_slot(false);
    SOCKET const s = static_cast<SOCKET>(out);
    TRANSMIT_FILE_BUFFERS buffers{};
    BOOL ok =
        ::TransmitFile(s, file, static_cast<DWORD>(count), 0, &ov, head_buffers(buffers, head, head_size), 0);
    DWORD e = ok ? 0 : static_cast<DWORD>(::WSAGetLastError());
    DWORD n = 0;
    if (ok || e == ERROR_IO_PENDING) {
        ::WaitForSingleObject(ev.get(), INFINITE);
        DWORD flags = 0;
        ok = ::WSAGetOverlappedResult(s, &ov, &n, FALSE, &flags);
        e = ok ? 0 : static_cast<DWORD>(::WSAGetLastError());
    }
    release_transmit_slot();
    r.bytes = n;
    if (!ok) r.ec = translate(win32_error(e));
    return r;
}

bool overlapped_send::acquire(bool may_refuse) noexcept {
    if (!acquire_transmit_slot(may_refuse)) return false;
    slot_ = true;
    return true;
}

boost::system::error_code overlapped_send::start(native_stream_handle out, native_file_handle file,
                                                 std::uint64_t offset, std::size_t count, void const* head,
                                                 std::size_t head_size, void* overlapped) noexcept {
    if (count > transmit_file_max) count = transmit_file_max;
    OVERLAPPED* const ov = static_cast<OVERLAPPED*>(overlapped);
    set_offset(*ov, offset);
    TRANSMIT_FILE_BUFFERS buffers{};
    BOOL const ok = ::TransmitFile(static_cast<SOCKET>(out), file, static_cast<DWORD>(count), 0, ov,
                                   head_buffers(buffers, head, head_size), 0);
    DWORD const e = ok ? 0 : static_cast<DWORD>(::WSAGetLastError());
    if (!ok && e != ERROR_IO_PENDING) return translate(win32_error(e));
    return {};
}

boost::system::error_code overlapped_send::complete(boost::system::error_code ec) noexcept {
    release();
    return translate(ec);
}

void overlapped_send::cancel(native_stream_handle out, void* overlapped) noexcept {
    ::CancelIoEx(reinterpret_cast<HANDLE>(out), static_cast<OVERLAPPED*>(overlapped));
}

void overlapped_send::release() noexcept {
    if (std::exchange(slot_, false)) release_transmit_slot();
}

io_result read_at(native_file_handle file, std::uint64_t offset, void* data, std::size_t size) noexcept {
    io_result r;
    constexpr std::size_t max_read = 1u << 30;
    if (size > max_read) size = max_read;
    thread_event& ev = this_thread_event();
    if (!ev.get()) {
        r.ec = win32_error(::GetLastError());
        return r;
    }
    OVERLAPPED ov{};
    set_offset(ov, offset);
    ov.hEvent = ev.for_overlapped();
    position_keeper keep(file);
    DWORD n = 0;
    BOOL ok = ::ReadFile(file, data, static_cast<DWORD>(size), &n, &ov);
    DWORD e = ok ? 0 : ::GetLastError();
    if (!ok && e == ERROR_IO_PENDING) {  // a handle opened with FILE_FLAG_OVERLAPPED
        ::WaitForSingleObject(ev.get(), INFINITE);
        ok = ::GetOverlappedResult(file, &ov, &n, FALSE);
        e = ok ? 0 : ::GetLastError();
    }
    if (!ok) {
        if (e == ERROR_HANDLE_EOF) return r;  // at or past the end: 0 bytes, no error
        r.ec = e == ERROR_INVALID_HANDLE ? boost::system::error_code(boost::asio::error::bad_descriptor)
                                         : win32_error(e);
        return r;
    }
    r.bytes = n;
    return r;
}

boost::system::error_code wait_writable(native_stream_handle out) noexcept {
    WSAPOLLFD p{};
    p.fd = static_cast<SOCKET>(out);
    p.events = POLLWRNORM;
    if (::WSAPoll(&p, 1, -1) == SOCKET_ERROR) return win32_error(static_cast<DWORD>(::WSAGetLastError()));
    return {};
}

}  // namespace detail
}  // namespace zerocopy

#endif
