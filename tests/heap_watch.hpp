#pragma once
// Replaces the global operator new of the test program that includes it, to
// count heap allocations and remember the largest one (the zero-allocation
// step tests, and the IDX reader's "no huge allocation from a lying header").
// Include it from one .cpp of a test executable only: it defines the operators.
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace heap_watch {

inline std::atomic<std::size_t> allocations{0};
inline std::atomic<std::size_t> largest_allocation{0};

inline void* record(std::size_t size) noexcept {
    allocations.fetch_add(1, std::memory_order_relaxed);
    std::size_t seen = largest_allocation.load(std::memory_order_relaxed);
    while (size > seen && !largest_allocation.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
    }
    return std::malloc(size == 0 ? 1 : size);
}

}  // namespace heap_watch

// operator new below pairs malloc with free in operator delete; g++ cannot see that.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
    if (void* p = heap_watch::record(size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return heap_watch::record(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
