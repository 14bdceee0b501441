using System.Reflection;
using System.Reflection.Emit;

namespace WarehouseOms.ArchitectureTests;

/// <summary>
/// The members the IL of an assembly calls, reads or names (call, newobj, ldfld, ldtoken, …), found by
/// plain reflection: each method body's IL is walked opcode by opcode and its member tokens resolved.
/// Finer than assembly references: file, console and clock APIs live in System.Runtime like everything else.
/// </summary>
internal static class MemberReferences
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Each referenced member as (the method that references it, "Namespace.Type::Member").</summary>
    public static IEnumerable<(string From, string Member)> Of(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                foreach (var member in Referenced(method))
                {
                    yield return ($"{type.FullName}::{method.Name}", member);
                }
            }
        }
    }

    private static IEnumerable<string> Referenced(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[position++]);
            }

            if (!OpCodesByValue.TryGetValue(value, out var opCode))
            {
                yield break; // not IL we understand: stop rather than misread the rest
            }

            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok or OperandType.InlineType:
                    var token = BitConverter.ToInt32(il, position);
                    position += 4;
                    if (Resolve(method.Module, token, typeArguments, methodArguments) is { } name)
                    {
                        yield return name;
                    }

                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (BitConverter.ToInt32(il, position) * 4);
                    break;
                default:
                    position += OperandSize(opCode.OperandType);
                    break;
            }
        }
    }

    private static string? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments) switch
            {
                Type type => type.FullName ?? type.Name,
                MemberInfo member => $"{member.DeclaringType?.FullName ?? member.DeclaringType?.Name}::{member.Name}",
                _ => null,
            };
        }
        catch (Exception ex) when (ex is ArgumentException or BadImageFormatException or FileNotFoundException or TypeLoadException)
        {
            return null; // a member of an assembly that is not loadable here: not one we look for
        }
    }

    private static int OperandSize(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };
}
