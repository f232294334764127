# zerocopy::http — the Beast HTTP layer: zero-copy file responses, Range, conditional requests,
# safe target resolution. Included by the top-level CMakeLists.txt when present.
#
# ZEROCOPY_HTTP_COMPILE_BOOST_URL: compile Boost.URL into zerocopy_http instead of linking Boost::url —
# for builds without a compiled Boost.URL, such as the MinGW cross build (Debian ships Boost.URL for
# Linux only). Boost 1.81 and 1.82 compile it from <boost/url/src.hpp>; since 1.83 that header is
# gone, and the sources come from ZEROCOPY_BOOST_URL_SOURCE_DIR (libs/url of a Boost source tree of
# the same version). Otherwise build Boost.URL for the target and link it.
option(ZEROCOPY_HTTP_COMPILE_BOOST_URL "Compile Boost.URL into zerocopy_http instead of linking Boost::url" OFF)
set(ZEROCOPY_BOOST_URL_SOURCE_DIR "" CACHE PATH
    "With ZEROCOPY_HTTP_COMPILE_BOOST_URL and Boost >= 1.83: libs/url of a Boost source tree to compile")
set(_zerocopy_http_url_sources)
if(ZEROCOPY_HTTP_COMPILE_BOOST_URL)
    set(_zerocopy_http_url Boost::headers)
    if(Boost_VERSION_MAJOR EQUAL 1 AND Boost_VERSION_MINOR LESS 83)
        set(_zerocopy_http_url_sources ${CMAKE_CURRENT_LIST_DIR}/../src/http/boost_url.cpp)
    elseif(ZEROCOPY_BOOST_URL_SOURCE_DIR AND EXISTS ${ZEROCOPY_BOOST_URL_SOURCE_DIR}/src)
        file(GLOB_RECURSE _zerocopy_http_url_sources CONFIGURE_DEPENDS ${ZEROCOPY_BOOST_URL_SOURCE_DIR}/src/*.cpp)
    else()
        message(FATAL_ERROR
            "ZEROCOPY_HTTP_COMPILE_BOOST_URL: Boost ${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR} no longer "
            "ships <boost/url/src.hpp> (discontinued in 1.83). Either build Boost.URL for this target and "
            "link it (leave ZEROCOPY_HTTP_COMPILE_BOOST_URL OFF and point Boost_ROOT or CMAKE_PREFIX_PATH "
            "at that build), or set ZEROCOPY_BOOST_URL_SOURCE_DIR to libs/url of a Boost "
            "${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR} source tree to compile its sources in.")
    endif()
else()
    find_package(Boost 1.81 REQUIRED COMPONENTS url)
    set(_zerocopy_http_url Boost::url)
endif()

set(_zerocopy_http_dir ${CMAKE_CURRENT_LIST_DIR}/..)
add_library(zerocopy_http
    ${_zerocopy_http_dir}/src/http/accept_encoding.cpp
    ${_zerocopy_http_dir}/src/http/body.cpp
    ${_zerocopy_http_dir}/src/http/cache_control.cpp
    ${_zerocopy_http_dir}/src/http/conditional.cpp
    ${_zerocopy_http_dir}/src/http/cork.cpp
    ${_zerocopy_http_dir}/src/http/date.cpp
    ${_zerocopy_http_dir}/src/http/etag.cpp
    ${_zerocopy_http_dir}/src/http/file_cache.cpp
    ${_zerocopy_http_dir}/src/http/framing.cpp
    ${_zerocopy_http_dir}/src/http/listing.cpp
    ${_zerocopy_http_dir}/src/http/mime.cpp
    ${_zerocopy_http_dir}/src/http/multipart.cpp
    ${_zerocopy_http_dir}/src/http/normalize.cpp
    ${_zerocopy_http_dir}/src/http/range.cpp
    ${_zerocopy_http_dir}/src/http/resolve.cpp
    ${_zerocopy_http_dir}/src/http/serve_file.cpp
)
# The file seam: CreateFileW and friends on Windows, POSIX calls elsewhere.
if(WIN32)
    target_sources(zerocopy_http PRIVATE ${_zerocopy_http_dir}/src/http/platform_win32.cpp
                                         ${_zerocopy_http_dir}/src/http/listing_win32.cpp)
else()
    target_sources(zerocopy_http PRIVATE ${_zerocopy_http_dir}/src/http/platform_posix.cpp
                                         ${_zerocopy_http_dir}/src/http/listing_posix.cpp)
endif()
if(ZEROCOPY_HTTP_COMPILE_BOOST_URL)
    target_sources(zerocopy_http PRIVATE ${_zerocopy_http_url_sources})
    target_compile_definitions(zerocopy_http PUBLIC BOOST_URL_NO_LIB)
    if(NOT Boost_VERSION_MINOR LESS 83)
        # Boost.URL's own sources, compiled as its b2 build does (static, not this project's warnings).
        target_compile_definitions(zerocopy_http PRIVATE BOOST_URL_SOURCE BOOST_URL_STATIC_LINK)
        set_source_files_properties(${_zerocopy_http_url_sources} PROPERTIES COMPILE_OPTIONS "-w")
    endif()
endif()
add_library(zerocopy::http ALIAS zerocopy_http)
target_compile_features(zerocopy_http PUBLIC cxx_std_17)
target_include_directories(zerocopy_http PUBLIC
    $<BUILD_INTERFACE:${_zerocopy_http_dir}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(zerocopy_http PUBLIC zerocopy::zerocopy ${_zerocopy_http_url}
                                    PRIVATE $<BUILD_INTERFACE:zerocopy_build_flags>)
set_target_properties(zerocopy_http PROPERTIES EXPORT_NAME http POSITION_INDEPENDENT_CODE ON)
set(ZEROCOPY_HTTP_EXPORTED ON)
unset(_zerocopy_http_dir)
unset(_zerocopy_http_url)
unset(_zerocopy_http_url_sources)
