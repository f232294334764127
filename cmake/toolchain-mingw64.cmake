# Cross build for 64-bit Windows with Debian's MinGW-w64 (g++-mingw-w64-x86-64-posix), run under
# Wine (scripts/windows-test.sh). Boost is header-only here: give ZEROCOPY_BOOST_INCLUDE_DIR, a
# folder that holds only a link `boost` -> /usr/include/boost (the host's /usr/include must not be
# on the path: its C headers are Linux's).
#
#   cmake -S test/windows -B build-mingw -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake \
#         -DZEROCOPY_BOOST_INCLUDE_DIR=/tmp/boost-only
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Windows 10 API level (Asio asks for _WIN32_WINNT); a static runtime, so that the .exe runs
# under Wine without MinGW's DLLs.
set(CMAKE_CXX_FLAGS_INIT "-D_WIN32_WINNT=0x0A00")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# Boost headers through a folder holding only a link to them (FindBoost, module mode).
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ZEROCOPY_BOOST_INCLUDE_DIR)
if(ZEROCOPY_BOOST_INCLUDE_DIR)
    set(Boost_INCLUDE_DIR "${ZEROCOPY_BOOST_INCLUDE_DIR}" CACHE PATH "Boost headers (a link folder)")
    set(Boost_NO_BOOST_CMAKE ON CACHE BOOL "")
    set(Boost_NO_SYSTEM_PATHS ON CACHE BOOL "")
endif()

# CTest runs the tests through Wine.
find_program(ZEROCOPY_WINE NAMES wine64 wine wine-stable PATHS /usr/lib/wine /usr/bin NO_CMAKE_FIND_ROOT_PATH)
if(ZEROCOPY_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${ZEROCOPY_WINE})
endif()
