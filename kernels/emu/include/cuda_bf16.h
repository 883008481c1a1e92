// Empty for the emulator: emu.h defines the types and conversions the kernels
// use from this CUDA header.
#pragma once
