/*
 * Multiboot 1 entry of the demo kernel. GRUB (BIOS or EFI) and QEMU's -kernel load it in 32-bit
 * protected mode with paging off, eax = 0x2BADB002 and ebx = the Multiboot info; we only need a
 * stack before calling C.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* align modules on pages, give a memory map */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .bss
    .align 16
stack_bottom:
    .skip 16384
stack_top:

    .section .text
    .global _start
    .type _start, @function
_start:
    cli
    mov $stack_top, %esp
    push %ebx          /* multiboot info */
    push %eax          /* multiboot magic */
    call kernel_main
1:  hlt
    jmp 1b
