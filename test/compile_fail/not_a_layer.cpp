// Something that is not a layer among the layers.
// expect-error: Sequential takes Input<...> followed by layers such as Dense<10>, ReLU or Flatten; this argument is not a layer: it has no name (a layer starts with static constexpr std::string_view name and static std::string spelling())
// expect: at_layer<2, int, Shape<10>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<16>, tn::Dense<10>, tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Input<16>, tn::Dense<10>, int> {};
#endif

static_assert(Net::layer_count == 2);
