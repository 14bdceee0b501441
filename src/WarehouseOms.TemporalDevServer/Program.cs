Console.WriteLine("dev server");
