// async_sendfile works with every completion token and keeps Asio's association rules:
// the handler runs on its associated executor, never from inside the initiating function,
// and the operation's memory comes from the handler's associated allocator.
#include <zerocopy/async_sendfile.hpp>

#include "common/test_util.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <tuple>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

std::uint64_t const file_size = 3 << 20;

zerocopy::sendfile_options with_mode(zerocopy::send_mode m) {
    zerocopy::sendfile_options o;
    o.mode = m;
    return o;
}

std::vector<zerocopy::send_mode> const modes{zerocopy::send_mode::native, zerocopy::send_mode::buffered};

struct alloc_counts {
    std::size_t allocations = 0, deallocations = 0, bytes_live = 0, largest = 0;
};

// Counts what passes through it; shared between copies.
template <class T>
struct counting_allocator {
    using value_type = T;
    using counts = alloc_counts;
    std::shared_ptr<counts> c;
    explicit counting_allocator(std::shared_ptr<counts> p) : c(std::move(p)) {}
    template <class U>
    counting_allocator(counting_allocator<U> const& o) noexcept : c(o.c) {}
    T* allocate(std::size_t n) {
        ++c->allocations;
        c->bytes_live += n * sizeof(T);
        c->largest = std::max(c->largest, n * sizeof(T));
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) {
        ++c->deallocations;
        c->bytes_live -= n * sizeof(T);
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(counting_allocator<U> const& o) const noexcept {
        return c == o.c;
    }
    template <class U>
    bool operator!=(counting_allocator<U> const& o) const noexcept {
        return c != o.c;
    }
};

struct fixture {
    asio::io_context ioc;
    tcp_pair p{ioc};
    temp_file f{file_size};
    receiver rx{p.b.native_handle(), 0};
    void finish_and_check(std::uint64_t expected = file_size) {
        p.a.close();
        rx.join();
        BOOST_TEST(rx.received() == expected);
        BOOST_TEST(rx.mismatches() == 0u);
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(callback_never_inline_and_on_bound_executor) {
    for (auto mode : modes) {
        fixture fx;
        auto strand = asio::make_strand(fx.ioc);
        bool initiating = true, called = false, on_strand = false;
        zerocopy::async_sendfile(fx.p.a, fx.f.fd(), 0, zerocopy::to_end, with_mode(mode),
                                 asio::bind_executor(strand, [&](error_code ec, std::uint64_t n) {
                                     BOOST_TEST(!initiating);
                                     BOOST_TEST(!ec);
                                     BOOST_TEST(n == file_size);
                                     on_strand = strand.running_in_this_thread();
                                     called = true;
                                 }));
        initiating = false;
        fx.ioc.run();
        BOOST_TEST(called);
        BOOST_TEST(on_strand);
        fx.finish_and_check();
    }
}

BOOST_AUTO_TEST_CASE(use_future) {
    for (auto mode : modes) {
        fixture fx;
        std::future<std::uint64_t> fut = zerocopy::async_sendfile(fx.p.a, fx.f.fd(), 0, zerocopy::to_end,
                                                                  with_mode(mode), asio::use_future);
        std::thread t([&] { fx.ioc.run(); });
        BOOST_TEST(fut.get() == file_size);
        t.join();
        fx.finish_and_check();
        // Errors arrive as exceptions.
        asio::io_context ioc;
        tcp_pair q(ioc);
        auto bad = zerocopy::async_sendfile(q.a, fx.f.fd(), file_size, 1, asio::use_future);
        ioc.run();
        BOOST_CHECK_THROW(bad.get(), boost::system::system_error);
    }
}

BOOST_AUTO_TEST_CASE(use_awaitable) {
    for (auto mode : modes) {
        fixture fx;
        std::uint64_t got = 0;
        error_code caught;
        asio::co_spawn(
            fx.ioc,
            [&]() -> asio::awaitable<void> {
                got = co_await zerocopy::async_sendfile(fx.p.a, fx.f.fd(), 0, zerocopy::to_end,
                                                        with_mode(mode), asio::use_awaitable);
                try {
                    co_await zerocopy::async_sendfile(fx.p.a, fx.f.fd(), file_size, 1, asio::use_awaitable);
                } catch (boost::system::system_error const& e) {
                    caught = e.code();
                }
            },
            asio::detached);
        fx.ioc.run();
        BOOST_TEST(got == file_size);
        BOOST_TEST(caught == zerocopy::error::unexpected_eof);
        fx.finish_and_check();
    }
}

BOOST_AUTO_TEST_CASE(deferred_as_tuple_redirect_error) {
    for (auto mode : modes) {
        fixture fx;
        // deferred: nothing starts until the deferred operation is launched.
        auto op = zerocopy::async_sendfile(fx.p.a, fx.f.fd(), 0, 1 << 20, with_mode(mode), asio::deferred);
        fx.ioc.poll();
        fx.ioc.restart();
        BOOST_TEST(fx.rx.received() == 0u);
        std::uint64_t n1 = 0;
        std::move(op)([&](error_code ec, std::uint64_t n) {
            BOOST_TEST(!ec);
            n1 = n;
        });
        fx.ioc.run();
        BOOST_TEST(n1 == (1u << 20));

        // as_tuple
        fx.ioc.restart();
        std::tuple<error_code, std::uint64_t> t;
        zerocopy::async_sendfile(fx.p.a, fx.f.fd(), 1 << 20, 1 << 20, with_mode(mode),
                                 asio::as_tuple([&](std::tuple<error_code, std::uint64_t> r) { t = r; }));
        fx.ioc.run();
        BOOST_TEST(!std::get<0>(t));
        BOOST_TEST(std::get<1>(t) == (1u << 20));

        // redirect_error (with a coroutine, where it is used)
        fx.ioc.restart();
        error_code rec;
        std::uint64_t n3 = 0;
        asio::co_spawn(
            fx.ioc,
            [&]() -> asio::awaitable<void> {
                n3 = co_await zerocopy::async_sendfile(fx.p.a, fx.f.fd(), 2 << 20, 1 << 20, with_mode(mode),
                                                       asio::redirect_error(asio::use_awaitable, rec));
            },
            asio::detached);
        fx.ioc.run();
        BOOST_TEST(!rec);
        BOOST_TEST(n3 == (1u << 20));
        fx.finish_and_check();
    }
}

BOOST_AUTO_TEST_CASE(bind_cancellation_slot_and_awaitable_operators) {
    using namespace asio::experimental::awaitable_operators;
    for (auto mode : modes) {
        asio::io_context ioc;
        tcp_pair p(ioc);  // nobody reads: the transfer stalls until the timer wins the race
        temp_file f(64 << 20);
        std::uint64_t sent = 0;
        bool timer_won = false;
        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<void> {
                asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
                auto r = co_await (zerocopy::async_sendfile(p.a, f.fd(), 0, zerocopy::to_end, with_mode(mode),
                                                            asio::as_tuple(asio::use_awaitable)) ||
                                   t.async_wait(asio::use_awaitable));
                timer_won = r.index() == 1;
            },
            asio::detached);
        // Also a plain slot, terminal.
        asio::cancellation_signal sig;
        tcp_pair q(ioc);
        error_code qec;
        zerocopy::async_sendfile(
            q.a, f.fd(), 0, zerocopy::to_end, with_mode(mode),
            asio::bind_cancellation_slot(sig.slot(), [&](error_code ec, std::uint64_t n) {
                qec = ec;
                sent = n;
            }));
        asio::steady_timer t2(ioc, std::chrono::milliseconds(100));
        t2.async_wait([&](error_code) { sig.emit(asio::cancellation_type::terminal); });
        ioc.run();
        BOOST_TEST(timer_won);
        BOOST_TEST(qec == asio::error::operation_aborted);
        BOOST_TEST(sent > 0u);
    }
}

BOOST_AUTO_TEST_CASE(memory_comes_from_the_associated_allocator) {
    for (auto mode : {zerocopy::send_mode::buffered, zerocopy::send_mode::native}) {
        auto counts = std::make_shared<alloc_counts>();
        fixture fx;
        std::size_t live_at_completion = ~std::size_t(0);
        zerocopy::async_sendfile(
            fx.p.a, fx.f.fd(), 0, zerocopy::to_end, with_mode(mode),
            asio::bind_allocator(counting_allocator<char>(counts), [&](error_code ec, std::uint64_t) {
                BOOST_TEST(!ec);
                live_at_completion = counts->bytes_live;
            }));
        fx.ioc.run();
        BOOST_TEST_MESSAGE("mode " << int(mode) << ": " << counts->allocations << " allocations, largest "
                                   << counts->largest);
        if (mode == zerocopy::send_mode::buffered) {
            // The operation's one buffer, and Asio's write operations, came from it.
            BOOST_TEST(counts->largest == zerocopy::sendfile_options{}.buffer_size);
            BOOST_TEST(counts->allocations > 1u);
        }
        // Everything went back before the handler ran.
        BOOST_TEST(live_at_completion == 0u);
        BOOST_TEST(counts->allocations == counts->deallocations);
        fx.finish_and_check();
    }
}

BOOST_AUTO_TEST_CASE(file_objects_and_default_token_executor) {
    // A socket whose executor has a default completion token: options are never taken for one.
    using socket_t = asio::use_awaitable_t<>::as_default_on_t<asio::ip::tcp::socket>;
    asio::io_context ioc;
    asio::ip::tcp::acceptor acc(ioc, {asio::ip::address_v4::loopback(), 0});
    socket_t a(ioc);
    a.connect(acc.local_endpoint());
    asio::ip::tcp::socket b = acc.accept();
    temp_file f(file_size);
    receiver rx(b.native_handle(), 0);
    std::uint64_t n = 0;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            n = co_await zerocopy::async_sendfile(a, f.fd(), 0, zerocopy::to_end,
                                                  with_mode(zerocopy::send_mode::native));
            n += co_await zerocopy::async_sendfile(a, f.fd(), 0, 0);
        },
        asio::detached);
    ioc.run();
    a.close();
    rx.join();
    BOOST_TEST(n == file_size);
    BOOST_TEST(rx.received() == file_size);
    BOOST_TEST(rx.mismatches() == 0u);
}
