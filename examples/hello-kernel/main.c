/*
 * The pulumi-unikernel demo kernel: prints one known line (and the command line it was given) on
 * the first serial port, then powers the VM off; with the word "stay" on its command line it stays
 * up instead, idle, like a service (halted until the VM is stopped). Freestanding: no libc, no drivers beyond the
 * 16550 UART and the power-off ports.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define COM1 0x3F8
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MULTIBOOT_INFO_CMDLINE (1u << 2)

struct multiboot_info {
    u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};

static inline void outb(u16 port, u8 value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline void outw(u16 port, u16 value) { __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void serial_init(void) {
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xC7); /* FIFO on */
}

static void serial_putc(char c) {
    while (!(inb(COM1 + 5) & 0x20)) {
    }
    outb(COM1, (u8)c);
}

static void serial_puts(const char *s) {
    for (; *s; s++) {
        if (*s == '\n') serial_putc('\r');
        serial_putc(*s);
    }
}

/*
 * Power off on the machines this kernel meets: the ACPI PM1a control port as SeaBIOS (pc, q35) and
 * OVMF on q35 program it (0x604), OVMF on pc (0xB004), and the old Bochs/QEMU port (0x4004). Writing
 * SLP_TYP=5|SLP_EN to a port that is not the PM block is harmless.
 */
static void power_off(void) {
    outw(0x604, 0x2000);
    outw(0xB004, 0x2000);
    outw(0x4004, 0x3400);
}

/* Whether the command line holds `word` as a whole space-separated word. */
static int has_word(const char *line, const char *word) {
    while (*line) {
        const char *a = line, *b = word;
        while (*b && *a == *b) { a++; b++; }
        if (!*b && (*a == ' ' || *a == '\0')) return 1;
        while (*line && *line != ' ') line++;
        while (*line == ' ') line++;
    }
    return 0;
}

void kernel_main(u32 magic, const struct multiboot_info *info) {
    serial_init();
    serial_puts("Hello from the pulumi-unikernel demo kernel\n");
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC && (info->flags & MULTIBOOT_INFO_CMDLINE) && info->cmdline) {
        serial_puts("cmdline: ");
        serial_puts((const char *)(unsigned long)info->cmdline);
        serial_puts("\n");
    }
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC && (info->flags & MULTIBOOT_INFO_CMDLINE) && info->cmdline
        && has_word((const char *)(unsigned long)info->cmdline, "stay")) {
        serial_puts("staying up\n");
        for (;;) __asm__ volatile("cli; hlt");
    }
    serial_puts("powering off\n");
    power_off();
}
