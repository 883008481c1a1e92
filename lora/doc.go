// Package lora implements low-rank adapters (Hu et al. 2021) on frozen
// linear layers: y = x W^T + (alpha/r) * dropout(x) A^T B^T, with A (R, in)
// initialised like PEFT (Kaiming-uniform, bound 1/sqrt(in)) and B (out, R)
// zero, so a fresh adapter leaves the model unchanged.
//
// A Set holds one Linear per adapted layer and declares their parameters
// (Specs) in PEFT's names; the owner lays them out in its flat trainable
// buffer and binds the views back (Bind), so gradients, AdamW state,
// clipping and checkpoints stay single loops over one buffer. Each Linear
// is a forward/backward pair on a tensor.Backend; dropout masks come from
// the backend's counter-based RNG and are recomputed in Backward from the
// step's seed instead of being stored. Save and Load read and write
// adapter_model.safetensors and adapter_config.json as PEFT does, so an
// adapter trained here loads in PEFT and vice versa; Merge folds the
// adapters into the base weights for inference.
//
// Shapes: N rows (B*T), R rank, In and Out the layer's widths.
package lora
