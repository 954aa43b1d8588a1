// test_usb's main: the emulated USB devices need libumockdev-preload.so in the
// process from the start (it wraps open/ioctl/sysfs access). ctest sets
// LD_PRELOAD itself (tests/hal/CMakeLists.txt); started by hand, the program
// re-executes itself with it, ASan's runtime first when built with ASan (ASan
// insists on being the first library loaded).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    // umockdev_in_mock_environment() only answers true once a testbed exists, so
    // the preload is looked for in the environment.
    const char* current = std::getenv("LD_PRELOAD");
    const bool preloaded = current != nullptr && std::strstr(current, "libumockdev-preload") != nullptr;
    if (!preloaded && std::getenv("FAX_USB_TEST_REEXEC") == nullptr) {
        std::string preload = FAX_UMOCKDEV_PRELOAD;
        if (const char* old = std::getenv("LD_PRELOAD"); old != nullptr && *old != '\0') preload += std::string(":") + old;
        ::setenv("LD_PRELOAD", preload.c_str(), 1);
        ::setenv("FAX_USB_TEST_REEXEC", "1", 1);  // never loop if the preload does not take
        ::execv("/proc/self/exe", argv);
        std::perror("test_usb: re-executing under libumockdev-preload.so");
        return 1;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
