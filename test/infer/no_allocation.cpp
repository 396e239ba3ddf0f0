// The deployment profile's promise, counted: constructing a Predictor and 100,000 calls of
// predict allocate nothing (malloc, calloc, realloc, free, operator new and delete) and take no
// lock (pthread mutexes, read-write locks, semaphores). Built with -fno-exceptions -fno-rtti and
// only <typenet/infer.hpp>. The counters replace the C library's functions here and forward to
// glibc's own; under AddressSanitizer, whose runtime owns malloc, its allocation hooks count
// instead. Exit status 0 when every count is zero.
#include <typenet/infer.hpp>

#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define TYPENET_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TYPENET_TEST_ASAN 1
#endif
#endif

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0}, releases{0}, locks{0};
void note(std::atomic<std::size_t>& counter) {
  if (counting.load(std::memory_order_relaxed)) counter.fetch_add(1, std::memory_order_relaxed);
}
template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}
}  // namespace

#if defined(TYPENET_TEST_ASAN)
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void*, std::size_t),
                                                        void (*)(const volatile void*));
namespace {
void on_malloc(const volatile void*, std::size_t) { note(allocations); }
void on_free(const volatile void*) { note(releases); }
void install_hooks() { __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free); }
}  // namespace
#else
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) {
  note(allocations);
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  note(allocations);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  note(allocations);
  return __libc_realloc(p, n);
}
void free(void* p) {
  if (p) note(releases);
  __libc_free(p);
}
}
// operator new and delete reach malloc and free; they are counted here too, in case a library
// version does not.
void* operator new(std::size_t n) {
  note(allocations);
  return __libc_malloc(n ? n : 1);
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept {
  if (p) note(releases);
  __libc_free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }
namespace {
void install_hooks() {}
}  // namespace
#endif

namespace {
// The C library's own functions, looked up before counting starts (dlsym may allocate).
int (*real_mutex_lock)(pthread_mutex_t*);
int (*real_mutex_trylock)(pthread_mutex_t*);
int (*real_rwlock_rdlock)(pthread_rwlock_t*);
int (*real_rwlock_wrlock)(pthread_rwlock_t*);
int (*real_sem_wait)(sem_t*);
void find_real_functions() {
  real_mutex_lock = next<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
  real_mutex_trylock = next<int (*)(pthread_mutex_t*)>("pthread_mutex_trylock");
  real_rwlock_rdlock = next<int (*)(pthread_rwlock_t*)>("pthread_rwlock_rdlock");
  real_rwlock_wrlock = next<int (*)(pthread_rwlock_t*)>("pthread_rwlock_wrlock");
  real_sem_wait = next<int (*)(sem_t*)>("sem_wait");
}
}  // namespace

extern "C" {
int pthread_mutex_lock(pthread_mutex_t* m) {
  note(locks);
  return real_mutex_lock(m);
}
int pthread_mutex_trylock(pthread_mutex_t* m) {
  note(locks);
  return real_mutex_trylock(m);
}
int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  note(locks);
  return real_rwlock_rdlock(l);
}
int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  note(locks);
  return real_rwlock_wrlock(l);
}
int sem_wait(sem_t* s) {
  note(locks);
  return real_sem_wait(s);
}
}

namespace tn = typenet;

namespace {
struct SeedCnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};
template <std::size_t C>
struct Basic : tn::Residual<tn::Conv2D<C, 3, 3, tn::Padding::same>, tn::BatchNormalization, tn::ReLU,
                            tn::Conv2D<C, 3, 3, tn::Padding::same>, tn::BatchNormalization> {};
struct Small : tn::Sequential<tn::Input<12, 12, 3>, tn::Conv2D<8, 3, 3, tn::Padding::same>, tn::ReLU, Basic<8>,
                              tn::Concat<tn::Conv2D<4, 1, 1>, tn::MaxPool2D<3, 3, tn::Padding::same, 1>>,
                              tn::GlobalAveragePooling2D, tn::Dense<5>, tn::Softmax> {};

/// Parameters from a fixed sequence (a linear congruential generator), in static storage.
template <class Net>
struct Parameters {
  alignas(64) float values[Net::parameter_block + 16];
  Parameters() {
    std::uint32_t state = 12345;
    for (float& v : values) {
      state = state * 1664525u + 1013904223u;
      v = float(state >> 9) / float(1 << 27);  // in [0, 1/16): a BatchNormalization variance too
    }
  }
};
Parameters<SeedCnn> seed_parameters;
Parameters<Small> small_parameters;
alignas(64) unsigned char seed_storage[sizeof(tn::Predictor<SeedCnn>)];
alignas(64) unsigned char small_storage[sizeof(tn::Predictor<Small>)];

template <class P, std::size_t N>
float run(P& predictor, std::size_t calls, std::array<float, N>& x) {
  float sum = 0;
  for (std::size_t i = 0; i < calls; ++i) {
    x[i % N] = float(i % 7) / 7.0f;
    const auto y = predictor.predict(x);
    sum += y[i % y.size()];
  }
  return sum;
}
}  // namespace

int main(int argc, char** argv) {
  // The number of predictions, 100,000 unless told (the aarch64 run under emulation, .ci/cross,
  // asks for fewer); a fifth of them through the CNN.
  const std::size_t total = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100'000;
  find_real_functions();
  install_hooks();
  static std::array<float, 784> image{};
  static std::array<float, 12 * 12 * 3> small_image{};
  // The counters count: one allocation and one lock, made on purpose, must show.
  counting = true;
  void* volatile probe = std::malloc(16);  // volatile: a compiler may drop a malloc-free pair
  std::free(probe);
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&mutex);
  pthread_mutex_unlock(&mutex);
  counting = false;
  if (allocations.load() != 1 || releases.load() != 1 || locks.load() != 1) {
    std::printf("FAILED: the counters do not see a malloc, a free and a lock (%zu, %zu, %zu)\n", allocations.load(),
                releases.load(), locks.load());
    return 1;
  }
  allocations = 0;
  releases = 0;
  locks = 0;
  counting = true;
  // Construction counts too: the predictors are built in static storage inside the counted span.
  auto* seed = new (seed_storage) tn::Predictor<SeedCnn>(seed_parameters.values);
  auto* small = new (small_storage) tn::Predictor<Small>(small_parameters.values);
  const float a = run(*seed, total / 5, image);
  const float b = run(*small, total - total / 5, small_image);
  counting = false;
  std::printf("%zu predictions (checksum %g): %zu allocations, %zu frees, %zu locks\n", total, double(a + b),
              allocations.load(), releases.load(), locks.load());
  const bool ok = allocations.load() == 0 && releases.load() == 0 && locks.load() == 0;
  if (!ok) std::printf("FAILED: a prediction allocated or locked\n");
  return ok ? 0 : 1;
}
